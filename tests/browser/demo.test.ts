// The demo page in a real browser (Debian's chromium driven by playwright-core): create a key,
// upload a CSV through the page, see the columns, draw a bar chart, and check that vega rendered
// it under the app's Content-Security-Policy. Saves tests/artifacts/demo-chart.png.
// Without /usr/bin/chromium the tests are skipped with a printed reason, except in CI (CI=true),
// where a missing browser is a failure: .ci/run installs it.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { StatlasApp } from '../../src/app.js';
import { startTestApp } from '../helpers/test-app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FIXTURE = fileURLToPath(new URL('./fixtures/sales.csv', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const hasChromium = existsSync(CHROMIUM);
const inCi = Boolean(process.env.CI);

// Sum of `units` per region in fixtures/sales.csv, from pandas:
// pd.read_csv('sales.csv').groupby('region')['units'].sum() → East 26, North 43, South 13, West 44 (one NA skipped).
const UNITS_BY_REGION: Record<string, number> = { East: 26, North: 43, South: 13, West: 44 };

if (!hasChromium && !inCi) {
  console.log(`Skipping the browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH).`);
}

const suite = hasChromium ? describe : inCi ? describe : describe.skip;

suite('the demo page in Chromium', () => {
  let service: StatlasApp;
  let server: Server;
  let baseUrl: string;
  let context: BrowserContext;
  let profileDir: string;
  beforeAll(async () => {
    if (!hasChromium) throw new Error(`CI=true but there is no Chromium at ${CHROMIUM}: install the chromium package.`);
    // Every upload goes to the background (202), so the page has to poll and show progress.
    service = await startTestApp({ ASYNC_UPLOAD_MB: '0' });
    server = await new Promise<Server>((resolve) => {
      const s = service.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    profileDir = mkdtempSync(join(tmpdir(), 'statlas-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1200, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await service?.close();
  });

  /** Collects console errors and warnings and page errors, CSP violations included ("… violates …"). */
  function watch(page: Page): string[] {
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()} @ ${page.url()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message} @ ${page.url()}`));
    return problems;
  }

  test('when a visitor creates a key, uploads a CSV and asks for a bar chart, then the chart is drawn with the right bars', async () => {
    const page = await context.newPage();
    const problems = watch(page);
    await page.goto(`${baseUrl}/`);

    // 1. key
    await page.fill('#signup-form input[name=email]', `browser-${Date.now()}@example.com`);
    await page.fill('#signup-form input[name=name]', 'Browser Test');
    await page.click('#signup-button');
    await page.waitForSelector('#key-present:not([hidden])');
    const storedKey = await page.evaluate<string | null>("localStorage.getItem('statlas.apiKey')");
    expect(storedKey).toBeTruthy();

    // 2. upload (202 → polling → ready)
    await page.setInputFiles('#file-input', FIXTURE);
    const uploaded = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/v1/datasets'));
    await page.click('#upload-button');
    expect((await uploaded).status()).toBe(202);
    await page.waitForSelector('#progress-box:not([hidden])');
    await page.waitForSelector('#data-section:not([hidden])', { timeout: 30_000 });
    expect(await page.textContent('#progress-text')).toBe('Ready.');
    expect(await page.$eval('#upload-progress', (el) => (el as unknown as { value: number }).value)).toBe(1);

    // 3. columns and summary
    const columns = await page.$$eval('#summary-table tbody tr', (rows) => rows.map((r) => [r.children[0].textContent, r.children[1].textContent]));
    expect(columns).toEqual([
      ['order_id', 'integer'], ['order_date', 'date'], ['region', 'string'], ['channel', 'string'], ['units', 'integer'], ['unit_price', 'number'],
    ]);

    // 4. chart
    await page.selectOption('#chart-type', 'bar');
    await page.selectOption('#chart-x', 'region');
    await page.selectOption('#chart-y', 'units');
    await page.selectOption('#chart-aggregate', 'sum');
    await page.click('#chart-button');
    await page.waitForSelector('#chart svg .mark-rect path', { timeout: 30_000 });

    // Each bar's accessible label names its region and value (vega-lite writes them).
    const labels = await page.$$eval('#chart svg .mark-rect path', (bars) => bars.map((b) => b.getAttribute('aria-label') ?? ''));
    const drawn: Record<string, number> = {};
    for (const label of labels) {
      const region = /region: ([^;]+)/.exec(label)?.[1];
      const value = /units: ([\d.,]+)/.exec(label)?.[1];
      if (region && value) drawn[region.trim()] = Number(value.replace(/,/g, ''));
    }
    expect(drawn).toEqual(UNITS_BY_REGION);
    expect(await page.textContent('#chart-message')).toMatch(/^4 points from 16 rows\./);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.locator('#chart-section').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'demo-chart.png'), fullPage: true });

    // A reload keeps the key and lists the dataset to open again.
    await page.reload();
    await page.waitForSelector('#key-present:not([hidden])');
    await page.waitForSelector('#pick-form:not([hidden])');
    expect(await page.$$eval('#dataset-select option', (o) => o.map((x) => x.textContent))).toEqual(
      expect.arrayContaining([expect.stringContaining('sales (16 rows, ready)')]),
    );
    await page.close();
    expect(problems).toEqual([]);
  }, 90_000);

  /** A new visitor: no stored key; signs up and uploads the fixture through the page. */
  async function visitorWithDataset(page: Page): Promise<void> {
    await page.goto(`${baseUrl}/`);
    await page.evaluate('localStorage.clear()');
    await page.reload();
    await page.fill('#signup-form input[name=email]', `browser-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`);
    await page.fill('#signup-form input[name=name]', 'Chart Types');
    await page.click('#signup-button');
    await page.waitForSelector('#key-present:not([hidden])');
    await page.setInputFiles('#file-input', FIXTURE);
    await page.click('#upload-button');
    await page.waitForSelector('#chart-section:not([hidden])', { timeout: 30_000 });
  }

  // Every chart type the API offers renders from its spec under the CSP (time axes, arcs, rules…).
  const CHARTS: { type: string; x: string; y?: string; aggregate?: string }[] = [
    { type: 'line', x: 'order_date', y: 'units', aggregate: 'sum' },
    { type: 'area', x: 'order_date', y: 'units' },
    { type: 'scatter', x: 'unit_price', y: 'units' },
    { type: 'pie', x: 'region' },
    { type: 'histogram', x: 'units' },
    { type: 'box', x: 'region', y: 'units' },
    { type: 'heatmap', x: 'region', y: 'channel' },
  ];

  test('when a visitor draws each other chart type, then each one renders marks with no browser error', async () => {
    const page = await context.newPage();
    const problems = watch(page);
    await visitorWithDataset(page);
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const chart of CHARTS) {
      await page.selectOption('#chart-type', chart.type);
      await page.selectOption('#chart-x', chart.x);
      await page.selectOption('#chart-y', chart.y ?? '');
      await page.selectOption('#chart-aggregate', chart.aggregate ?? '');
      const answered = page.waitForResponse((r) => r.url().endsWith('/chart-data'));
      await page.click('#chart-button');
      expect([chart.type, (await answered).status()]).toEqual([chart.type, 200]);
      // A selector, not waitForFunction: Playwright runs a string predicate through eval, which the
      // page's CSP (script-src 'self') forbids.
      await page.waitForSelector('#chart-message:not([data-kind="info"])', { state: 'attached' });
      expect([chart.type, await page.textContent('#chart-message')]).toEqual([chart.type, expect.stringMatching(/points from 16 rows/)]);
      const marks = await page.$$eval('#chart svg [role="graphics-symbol"]', (els) => els.length);
      expect([chart.type, marks > 0]).toEqual([chart.type, true]);
      await page.locator('#chart').screenshot({ path: join(ARTIFACTS, `demo-${chart.type}.png`) });
    }
    await page.close();
    expect(problems).toEqual([]);
  }, 120_000);

  test('when /docs is opened, then Swagger UI renders the operations with no CSP violation', async () => {
    const page = await context.newPage();
    const problems = watch(page);
    await page.goto(`${baseUrl}/docs`);
    await page.waitForSelector('.opblock', { timeout: 30_000 });
    const operations = await page.$$eval('.opblock-summary-path', (els) => els.map((e) => e.textContent?.replace(/\u200b/g, '')));
    expect(operations).toEqual(expect.arrayContaining(['/api/v1/datasets/{id}/chart-data', '/api/v1/users', '/health']));
    // The upload form of "Try it out" offers a file picker (the binary `file` field).
    await page.click('#operations-Datasets-postDatasets .opblock-summary-control');
    await page.click('#operations-Datasets-postDatasets .try-out__btn');
    await page.waitForSelector('#operations-Datasets-postDatasets input[type=file]', { timeout: 10_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'docs.png') });
    await page.close();
    expect(problems).toEqual([]);
  }, 60_000);
});
