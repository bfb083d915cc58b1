import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { columnRange, equalWidthEdges, histogramCounts } from '../../src/core/binning.js';
import type { Table } from '../../src/core/column.js';
import { aggregateGroups, groupRecords, groupRows } from '../../src/core/group-by.js';
import type { MetricSpec } from '../../src/core/metrics.js';
import { sharedFloat64, sharedInt32 } from '../../src/core/parallel/shared-arrays.js';
import { helperChunks, helperGiveUps, helperRunning, setHelperIdleMs, setHelperWaitMs, setMinParallelRows, splitsRows, startRowHelper, stopRowHelper } from '../../src/core/parallel/split-rows.js';
import { pearsonMatrix } from '../../src/core/stats/correlation.js';
import { describeColumns, describeNumeric } from '../../src/core/stats/describe.js';

// 5 chunks of 65,536 rows and a part of one, on SharedArrayBuffers as stored columns are.
const ROWS = 5 * 65_536 + 1234;
const DAY = 86_400_000;

function sharedTable(): Table {
  let s = 987654321;
  const rand = () => ((s = (Math.imul(s, 48271) + 11) >>> 0) / 2 ** 32);
  const price = sharedFloat64(ROWS);
  const qty = sharedFloat64(ROWS);
  const day = sharedFloat64(ROWS);
  const region = sharedInt32(ROWS);
  for (let i = 0; i < ROWS; i++) {
    price[i] = rand() < 0.05 ? NaN : Math.round(rand() * 1e6) / 100 - 2000;
    qty[i] = rand() < 0.03 ? NaN : Math.floor(rand() * 40) + price[i] / 500;
    day[i] = rand() < 0.02 ? NaN : Date.UTC(2019, 0, 1) + Math.floor(rand() * 2000) * DAY;
    region[i] = rand() < 0.01 ? -1 : Math.floor(rand() * 20);
  }
  const dict = Array.from({ length: 20 }, (_, i) => `region ${String.fromCharCode(65 + ((i * 7) % 20))}`);
  return {
    rowCount: ROWS,
    columns: [
      { name: 'price', type: 'number', values: price },
      { name: 'qty', type: 'number', values: qty },
      { name: 'day', type: 'date', values: day },
      { name: 'region', type: 'string', codes: region, dict },
    ],
  };
}

/**
 * The kernels these answers split. Not valueRange: a shared column's range is measured once and
 * kept (a test of its own below).
 */
const KERNELS = ['binCounts', 'codeCounts', 'dayLevels', 'slotCounts', 'slotSums', 'pearsonSums', 'describeColumns'];

/**
 * Runs `round` until the helper has done chunks of every kernel (so the split was tested, not the
 * request thread alone), 20 times at most: the request thread may take every chunk of a quick pass.
 */
function untilHelperTookPart(round: () => void, kernels = KERNELS): void {
  const before = new Map(helperChunks);
  const missing = () => kernels.filter((k) => (helperChunks.get(k) ?? 0) === (before.get(k) ?? 0));
  for (let i = 0; i < 20 && missing().length > 0; i++) round();
  expect(missing()).toEqual([]);
}

const metrics: MetricSpec[] = [
  { op: 'count' },
  { op: 'count', column: 'price' },
  { op: 'sum', column: 'price' },
  { op: 'mean', column: 'qty' },
  { op: 'sum', column: 'qty' },
  { op: 'count', column: 'day' }, // counts only: the slotCounts pass
];

/** Everything the split passes compute on the table. */
function answers(table: Table) {
  const values = (name: string) => (table.columns.find((c) => c.name === name) as { values: Float64Array }).values;
  const range = columnRange(values('price'));
  const byRegion = groupRows(table, null, [{ column: 'region' }]);
  const byMonth = groupRows(table, null, [{ column: 'day', unit: 'month' }]);
  return {
    range,
    histogram: Array.from(histogramCounts(values('price'), null, equalWidthEdges(range.min, range.max, 20))),
    byRegion: groupRecords(byRegion, metrics, aggregateGroups(table, byRegion, metrics)),
    byMonth: groupRecords(byMonth, metrics, aggregateGroups(table, byMonth, metrics)),
    pearson: pearsonMatrix([values('price'), values('qty'), values('day')], [0, 20, 1.6e12]),
    // Each column is described whole by one thread: exactly the one-by-one answer.
    described: splitsRows(ROWS) ? describeColumns([values('price'), values('qty')], [undefined, 1234]) : [describeNumeric(values('price'), null), describeNumeric(values('qty'), null, 1234)],
  };
}

/** Equal, numbers within `rel` of each other (exact when rel = 0). */
function expectClose(a: unknown, b: unknown, rel: number, path = ''): void {
  if (typeof a === 'number' && typeof b === 'number') {
    if (rel === 0 || !Number.isFinite(a)) expect([path, a]).toEqual([path, b]);
    else expect([path, Math.abs(a - b) <= rel * Math.max(1, Math.abs(b))]).toEqual([path, true]);
    return;
  }
  if (a && typeof a === 'object' && b && typeof b === 'object') {
    expect(Object.keys(a)).toEqual(Object.keys(b));
    for (const k of Object.keys(a)) expectClose((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], rel, `${path}.${k}`);
    return;
  }
  expect([path, a]).toEqual([path, b]);
}

describe('passes split between the request thread and the helper thread', () => {
  const table = sharedTable();
  let whole: ReturnType<typeof answers>;

  beforeAll(async () => {
    whole = answers(table); // default threshold: these rows are not split
    setMinParallelRows(1);
    startRowHelper();
    // Let the helper boot, so it takes part from the first split pass on.
    await new Promise((resolve) => setTimeout(resolve, 1500));
  });
  afterAll(async () => {
    setMinParallelRows();
    await stopRowHelper();
  });

  test('give the one-pass answers: counts exactly, sums to the last few bits, and the same answer every time', () => {
    const first = answers(table);
    untilHelperTookPart(() => expect(answers(table)).toEqual(first));
    expectClose(first.range, whole.range, 0);
    expectClose(first.histogram, whole.histogram, 0);
    for (const key of ['byRegion', 'byMonth'] as const) {
      expect(first[key].map((r) => [r.count, r.count_price, r.count_day])).toEqual(whole[key].map((r) => [r.count, r.count_price, r.count_day]));
      expectClose(first[key], whole[key], 1e-13);
    }
    expectClose(first.pearson, whole.pearson, 1e-12);
    expect(first.described).toEqual(whole.described);
  });

  test('the range of a column, split, is the one-pass range', () => {
    const price = (table.columns[0] as { values: Float64Array }).values;
    const copy = () => {
      const out = sharedFloat64(price.length);
      out.set(price);
      return out; // a new array each time: a shared column's range is kept once measured
    };
    untilHelperTookPart(() => expect(columnRange(copy())).toEqual(whole.range), ['valueRange']);
  });

  test('a stopped helper is replaced, and the answers stay the same', async () => {
    const first = answers(table);
    await stopRowHelper();
    expect(answers(table)).toEqual(first); // a new helper is starting: the request thread does most chunks
    await new Promise((resolve) => setTimeout(resolve, 1500));
    untilHelperTookPart(() => expect(answers(table)).toEqual(first));
  });

  test('an idle helper stops, and the next big pass starts one again with the same answers', async () => {
    const first = answers(table);
    await stopRowHelper();
    setHelperIdleMs(100);
    try {
      expect(answers(table)).toEqual(first); // starts a helper that stops after 100 ms without a job
      expect(helperRunning()).toBe(true);
      for (let waited = 0; waited < 5000 && helperRunning(); waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(helperRunning()).toBe(false);
    } finally {
      setHelperIdleMs();
    }
    expect(answers(table)).toEqual(first);
    expect(helperRunning()).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    untilHelperTookPart(() => expect(answers(table)).toEqual(first));
  });

  test('a helper that does not answer in time is let go: its chunks are done here, and the answers stay the same', async () => {
    const first = answers(table);
    const before = helperGiveUps.count;
    // Waiting 0 ms for the helper is what a hung helper looks like after the usual wait.
    setHelperWaitMs(0);
    try {
      for (let k = 0; k < 200 && helperGiveUps.count === before; k++) expect(answers(table)).toEqual(first);
    } finally {
      setHelperWaitMs();
    }
    expect(helperGiveUps.count).toBeGreaterThan(before);
    // A new helper starts and takes part again.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    untilHelperTookPart(() => expect(answers(table)).toEqual(first));
  });
});
