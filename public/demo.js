// The Statlas demo page: a plain ES module, no build step. It talks to the public API only.
// vega, vega-lite and vega-embed are loaded as classic scripts (globals); vega-interpreter runs
// chart expressions without eval, so the page works under the server's Content-Security-Policy.
import { expressionInterpreter } from './vendor/vega-interpreter.js';

const API = 'api/v1';
const KEY_STORAGE = 'statlas.apiKey';
const POLL_MS = 400;

const $ = (id) => document.getElementById(id);

const state = {
  apiKey: localStorage.getItem(KEY_STORAGE),
  dataset: null,
};

// ---------- talking to the API ----------

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `The server answered ${status}.`);
    this.status = status;
    this.body = body;
  }
}

/** Calls the API with the stored key; returns the parsed JSON body (or null for 204). */
async function api(method, path, { json, form } = {}) {
  const headers = {};
  if (state.apiKey) headers.Authorization = `Bearer ${state.apiKey}`;
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  const res = await fetch(`${API}${path}`, { method, headers, body });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new ApiError(res.status, data);
  return { status: res.status, data };
}

function explain(err) {
  if (err instanceof ApiError) {
    if (err.status === 401) return 'Your key is not valid any more. Create a new one in step 1.';
    return err.message;
  }
  return `Could not reach the server (${err.message}).`;
}

function say(id, text, kind = 'info') {
  const el = $(id);
  el.textContent = text;
  el.dataset.kind = kind;
}

// ---------- step 1: the key ----------

function showKeyState(user) {
  const hasKey = Boolean(state.apiKey);
  $('key-missing').hidden = hasKey;
  $('key-present').hidden = !hasKey;
  $('upload-button').disabled = !hasKey;
  if (hasKey) {
    $('key-text').textContent = maskKey(state.apiKey);
    $('key-text').dataset.masked = 'true';
    $('show-key').textContent = 'Show';
    $('key-user').textContent = user ? ` as ${user.name} (${user.email})` : '';
  }
}

function maskKey(key) {
  return key.length > 12 ? `${key.slice(0, 8)}…${key.slice(-4)}` : '••••••••';
}

function saveKey(key) {
  state.apiKey = key;
  localStorage.setItem(KEY_STORAGE, key);
}

function forgetKey() {
  state.apiKey = null;
  localStorage.removeItem(KEY_STORAGE);
  state.dataset = null;
  $('data-section').hidden = true;
  $('chart-section').hidden = true;
  $('pick-form').hidden = true;
  showKeyState();
}

async function signUp(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  $('signup-button').disabled = true;
  say('key-message', 'Creating your key…');
  try {
    const { data } = await api('POST', '/users', { json: { email: form.get('email'), name: form.get('name') } });
    saveKey(data.apiKey);
    showKeyState(data.user);
    say('key-message', 'Done. Your key is saved in this browser. Copy it with "Show" if you want to use it elsewhere: it is shown only once.', 'ok');
    await loadDatasetList();
  } catch (err) {
    say('key-message', explain(err), 'error');
  } finally {
    $('signup-button').disabled = false;
  }
}

async function useExistingKey(event) {
  event.preventDefault();
  const key = String(new FormData(event.target).get('apiKey')).trim();
  saveKey(key);
  await checkKey();
}

async function checkKey() {
  if (!state.apiKey) return showKeyState();
  try {
    const { data } = await api('GET', '/users/me');
    showKeyState(data.user);
    say('key-message', '');
    await loadDatasetList();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      forgetKey();
      say('key-message', 'The saved key does not work any more. Create a new one.', 'error');
    } else {
      showKeyState();
      say('key-message', explain(err), 'error');
    }
  }
}

// ---------- step 2: upload ----------

function showProgress(fraction, text) {
  $('progress-box').hidden = false;
  const bar = $('upload-progress');
  if (fraction === null) bar.removeAttribute('value');
  else bar.value = Math.max(0, Math.min(1, fraction));
  $('progress-text').textContent = text;
}

async function upload(event) {
  event.preventDefault();
  const file = $('file-input').files[0];
  if (!file) return say('upload-message', 'Pick a file first.', 'error');
  const form = new FormData();
  form.append('file', file);
  $('upload-button').disabled = true;
  say('upload-message', '');
  showProgress(null, `Sending ${file.name}…`);
  try {
    let { status, data: dataset } = await api('POST', '/datasets', { form });
    if (status === 202) dataset = await waitUntilReady(dataset);
    if (dataset.status === 'failed') {
      showProgress(1, 'Failed.');
      say('upload-message', `We could not read this file: ${dataset.error ?? 'unknown reason'}.`, 'error');
      return;
    }
    showProgress(1, 'Ready.');
    say('upload-message', `Uploaded "${dataset.name}": ${dataset.rowCount} rows, ${dataset.columnCount} columns.`, 'ok');
    await loadDatasetList(dataset.id);
    await openDataset(dataset);
  } catch (err) {
    $('progress-box').hidden = true;
    say('upload-message', explain(err), 'error');
  } finally {
    $('upload-button').disabled = !state.apiKey;
  }
}

/** Large files are read in the background: poll until the dataset is ready or failed. */
async function waitUntilReady(dataset) {
  while (dataset.status === 'processing') {
    showProgress(dataset.progress ?? 0, `Reading the file… ${Math.round((dataset.progress ?? 0) * 100)}%`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    ({ data: dataset } = await api('GET', `/datasets/${encodeURIComponent(dataset.id)}`));
  }
  return dataset;
}

async function loadDatasetList(selectedId) {
  try {
    const { data } = await api('GET', '/datasets?limit=100&sort=-createdAt');
    const select = $('dataset-select');
    select.replaceChildren(new Option('Choose a dataset…', ''));
    for (const d of data.data) {
      select.append(new Option(`${d.name} (${d.rowCount ?? '?'} rows, ${d.status})`, d.id, false, d.id === selectedId));
    }
    $('pick-form').hidden = data.data.length === 0;
  } catch {
    $('pick-form').hidden = true;
  }
}

async function pickDataset() {
  const id = $('dataset-select').value;
  if (!id) return;
  try {
    let { data: dataset } = await api('GET', `/datasets/${encodeURIComponent(id)}`);
    if (dataset.status === 'processing') dataset = await waitUntilReady(dataset);
    await openDataset(dataset);
  } catch (err) {
    say('upload-message', explain(err), 'error');
  }
}

// ---------- step 3: columns and summary ----------

const NUMERIC = new Set(['integer', 'number']);

function formatValue(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en') : v.toLocaleString('en', { maximumSignificantDigits: 4 });
  return String(v);
}

async function openDataset(dataset) {
  state.dataset = dataset;
  $('dataset-name').textContent = dataset.name;
  $('dataset-facts').textContent = `${dataset.rowCount} rows and ${dataset.columnCount} columns, from ${dataset.originalFilename} (${dataset.format}).`;
  const tbody = $('summary-table').querySelector('tbody');
  tbody.replaceChildren();
  if (dataset.status !== 'ready') {
    $('data-section').hidden = false;
    $('chart-section').hidden = true;
    return;
  }
  const { data: summary } = await api('GET', `/datasets/${encodeURIComponent(dataset.id)}/analysis/summary`);
  for (const c of summary.columns) {
    const top = c.top?.[0] ? `${c.top[0].value} (${c.top[0].count})` : c.trueCount !== undefined ? `true: ${c.trueCount}, false: ${c.falseCount}` : '';
    const cells = [c.name, c.type, c.count, c.missing, c.distinct, c.min, c.mean, c.max, top];
    const tr = document.createElement('tr');
    for (const value of cells) {
      const td = document.createElement('td');
      td.textContent = formatValue(value);
      if (typeof value === 'number') td.className = 'num';
      tr.append(td);
    }
    tbody.append(tr);
  }
  $('data-section').hidden = false;
  fillChartForm(dataset.columns);
  $('chart-section').hidden = false;
  $('chart').replaceChildren();
  say('chart-message', '');
}

// ---------- step 4: chart ----------

const HINTS = {
  bar: 'One bar per value of x. Without a measure, bars count rows.',
  line: 'A line across x (dates work well; the server fills in empty periods).',
  area: 'Like a line chart, filled below.',
  scatter: 'One dot per row: pick two number columns.',
  pie: 'One slice per value of x. Without a measure, slices count rows.',
  histogram: 'How the values of a number column x are spread, in 10 bins.',
  box: 'The spread of the measure y for each value of x.',
  heatmap: 'A grid of x by y; each cell counts rows.',
};

function fillChartForm(columns) {
  const fill = (select, items, empty) => {
    const before = select.value;
    select.replaceChildren();
    if (empty) select.append(new Option(empty, ''));
    for (const c of items) select.append(new Option(`${c.name} (${c.type})`, c.name));
    if ([...select.options].some((o) => o.value === before)) select.value = before;
  };
  fill($('chart-x'), columns);
  // Number columns first: they are what most charts measure.
  const byKind = [...columns.filter((c) => NUMERIC.has(c.type)), ...columns.filter((c) => !NUMERIC.has(c.type))];
  fill($('chart-y'), byKind, 'None: count rows');
  fill($('chart-group'), columns, 'No split');
  updateHint();
}

function updateHint() {
  $('chart-hint').textContent = HINTS[$('chart-type').value] ?? '';
}

function chartRequest() {
  const type = $('chart-type').value;
  const request = { type, x: $('chart-x').value || null };
  const y = $('chart-y').value || null;
  const aggregate = $('chart-aggregate').value || null;
  const groupBy = $('chart-group').value || null;
  if (type !== 'histogram') request.y = y;
  if (type === 'heatmap') return request;
  if (aggregate && !['scatter', 'histogram', 'box'].includes(type)) request.aggregate = aggregate;
  if (groupBy && !['pie', 'histogram', 'box'].includes(type)) request.groupBy = groupBy;
  return request;
}

async function drawChart(event) {
  event.preventDefault();
  if (!state.dataset) return;
  const request = chartRequest();
  $('chart-button').disabled = true;
  say('chart-message', 'Drawing…');
  try {
    const { data } = await api('POST', `/datasets/${encodeURIComponent(state.dataset.id)}/chart-data`, { json: request });
    // As wide as the page, unless y is a list of categories (heatmaps): vega-lite then sizes the
    // chart by its cells and would warn about a container width.
    const discreteY = ['nominal', 'ordinal'].includes(data.spec?.encoding?.y?.type);
    const spec = discreteY ? data.spec : { ...data.spec, width: 'container', autosize: { type: 'fit-x', contains: 'padding' } };
    await window.vegaEmbed('#chart', spec, {
      renderer: 'svg',
      // Parse expressions to an AST and run them with vega-interpreter: no eval, no 'unsafe-eval'.
      ast: true,
      expr: expressionInterpreter,
      // vega-embed and its tooltip would add inline <style> elements, which the CSP blocks;
      // their look comes from demo.css instead.
      defaultStyle: false,
      forceActionsMenu: true,
      tooltip: { disableDefaultStyle: true },
      actions: { export: true, source: false, compiled: false, editor: false },
      i18n: { PNG_ACTION: 'Save as PNG', SVG_ACTION: 'Save as SVG' },
    });
    const note = data.meta?.truncated ? ' Only part of the data is shown (see "limit" in the API docs).' : '';
    say('chart-message', `${data.meta?.rowsReturned ?? data.data.length} points from ${data.meta?.rowsScanned ?? '?'} rows.${note}`, 'ok');
  } catch (err) {
    $('chart').replaceChildren();
    say('chart-message', explain(err), 'error');
  } finally {
    $('chart-button').disabled = false;
  }
}

// ---------- wiring ----------

function start() {
  $('signup-form').addEventListener('submit', signUp);
  $('paste-key-form').addEventListener('submit', useExistingKey);
  $('forget-key').addEventListener('click', forgetKey);
  $('show-key').addEventListener('click', () => {
    const el = $('key-text');
    const masked = el.dataset.masked === 'true';
    el.textContent = masked ? state.apiKey : maskKey(state.apiKey);
    el.dataset.masked = String(!masked);
    $('show-key').textContent = masked ? 'Hide' : 'Show';
  });
  $('upload-form').addEventListener('submit', upload);
  $('dataset-select').addEventListener('change', pickDataset);
  $('chart-type').addEventListener('change', updateHint);
  $('chart-form').addEventListener('submit', drawChart);
  checkKey();
}

start();
