// Start-up warm-up: runs every analysis and every chart type once on a small in-memory table, so V8
// has compiled (and begun optimising) the hot loops before the first request; first calls are
// otherwise 1.2-3x slower. Takes a few tens of milliseconds and touches no database.
import type { Column, Table } from './core/column.js';
import { applyFilters, parseFilterQuery } from './core/filter-ops.js';
import { sortRows, parseSortParam } from './core/sort.js';
import * as analysis from './modules/analysis/analysis.service.js';
import * as schemas from './modules/analysis/analysis.schemas.js';
import { buildChartData } from './modules/charts/chart-data.js';
import { chartRequestSchema } from './modules/charts/charts.schemas.js';
import type { Ingester } from './modules/ingest/ingester.js';
import type { IngestOptions } from './modules/ingest/ingest.types.js';

/** Rows of the warm-up table: enough for the loops to get hot, small enough to stay quick. */
const ROWS = 3000;
const DAY_MS = 86_400_000;

/** A deterministic table with every column type, missing values, ties and a skewed column. */
function warmUpTable(): Table {
  const n = ROWS;
  const price = new Float64Array(n);
  const units = new Float64Array(n);
  const score = new Float64Array(n);
  const day = new Float64Array(n);
  const at = new Float64Array(n);
  const flag = new Float64Array(n);
  const region = new Int32Array(n);
  let s = 12345;
  const rand = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
  for (let i = 0; i < n; i++) {
    price[i] = i % 29 === 0 ? NaN : Math.round((20 + rand() * 80) * 100) / 100;
    units[i] = Math.floor(rand() * 50);
    score[i] = Math.exp(rand() * 3) + price[i] * 0.1;
    day[i] = Date.UTC(2023, 0, 1) + Math.floor(rand() * 700) * DAY_MS;
    at[i] = day[i] + Math.floor(rand() * 24) * 3_600_000;
    flag[i] = i % 37 === 0 ? NaN : rand() < 0.4 ? 1 : 0;
    region[i] = i % 31 === 0 ? -1 : Math.floor(rand() * 6);
  }
  const columns: Column[] = [
    { name: 'price', type: 'number', values: price },
    { name: 'units', type: 'integer', values: units },
    { name: 'score', type: 'number', values: score },
    { name: 'day', type: 'date', values: day },
    { name: 'at', type: 'datetime', values: at },
    { name: 'flag', type: 'boolean', values: flag },
    { name: 'region', type: 'string', codes: region, dict: ['north', 'south', 'east', 'west', 'centre', 'islands'] },
  ];
  return { rowCount: n, columns };
}

const params = <S extends { parse(v: unknown): unknown }>(schema: S, query: Record<string, string>) =>
  schema.parse(query) as never;

const CHARTS: unknown[] = [
  { type: 'bar', x: 'region', y: 'price', aggregate: 'mean' },
  { type: 'bar', x: 'region', y: 'units', groupBy: 'flag', sort: { by: 'y', order: 'desc' }, limit: 3, other: true },
  { type: 'line', x: 'day', y: 'price', aggregate: 'mean', timeUnit: 'month' },
  { type: 'area', x: 'at', y: 'units', timeUnit: 'week', groupBy: 'region' },
  { type: 'scatter', x: 'price', y: 'score', limit: 500 },
  { type: 'pie', x: 'region' },
  { type: 'histogram', x: 'price', bins: 20 },
  { type: 'box', x: 'region', y: 'price' },
  { type: 'heatmap', x: 'region', y: 'units', value: 'price', aggregate: 'median' },
  { type: 'bar', x: 'region', filters: [{ column: 'price', op: 'gt', value: 30 }, { column: 'day', op: 'gte', value: '2023-06-01' }] },
];

/** Runs each analysis and chart type once (twice for the hot numeric loops). Never throws. */
export function warmUp(): void {
  runWarmUp();
}

/**
 * A CSV with a number, a text, a date and a boolean column, big enough (30,000 rows, ~1 MB) for V8 to
 * optimise the scanner's loop, both as a whole file and as one read while it arrives.
 */
function warmUpCsv(): Uint8Array {
  const rows = Array.from({ length: 30_000 }, (_, i) =>
    `${i},${(i * 1.25).toFixed(2)},c${i % 7},2024-01-${String((i % 28) + 1).padStart(2, '0')},${i % 2 === 0}`);
  return new TextEncoder().encode(`id,price,city,day,ok\n${rows.join('\n')}`);
}

/**
 * The same for the parser, where it runs (the ingest worker, which this also starts). Resolves when
 * both parses are over, failed or not; never rejects.
 */
export async function warmUpIngest(ingester: Ingester): Promise<void> {
  const limits = { maxRows: 100_000, maxColumns: 10, maxCellBytes: 100 };
  const opts: IngestOptions = { filename: 'warm-up.csv', header: true, limits };
  const jobs = [undefined, { filename: opts.filename, limits }].map((expect) => {
    const bytes = warmUpCsv();
    const sink = ingester.receive(bytes.length, expect);
    sink.write(bytes);
    return sink.ingest(opts).result;
  });
  await Promise.allSettled(jobs);
}

/** The warm-up, reporting how long it took and which steps failed (a failed step only stays cold). */
export function runWarmUp(): { ms: number; failed: string[] } {
  const started = performance.now();
  const table = warmUpTable();
  const rows = applyFilters(table, parseFilterQuery(['price:gt:25', 'region:in:north,south,east']));
  const steps: [string, () => unknown][] = [
    ['summary', () => analysis.summary(table, null, params(schemas.summaryQuery, {}))],
    ['summary filtered', () => analysis.summary(table, rows, params(schemas.summaryQuery, {}))],
    ['pearson', () => analysis.correlations(table, null, params(schemas.correlationsQuery, { method: 'pearson' }))],
    ['spearman', () => analysis.correlations(table, rows, params(schemas.correlationsQuery, { method: 'spearman' }))],
    // Two columns without missing values take spearman's other pair loop.
    ['spearman complete', () => analysis.correlations(table, null, params(schemas.correlationsQuery, { method: 'spearman', columns: 'units,day' }))],
    ['kendall', () => analysis.correlations(table, null, params(schemas.correlationsQuery, { method: 'kendall', columns: 'price,units' }))],
    ['outliers iqr', () => analysis.outliers(table, null, params(schemas.outliersQuery, { column: 'score' }))],
    ['outliers zscore', () => analysis.outliers(table, null, params(schemas.outliersQuery, { column: 'score', method: 'zscore' }))],
    ['outliers mad', () => analysis.outliers(table, null, params(schemas.outliersQuery, { column: 'score', method: 'mad' }))],
    ['value-counts string', () => analysis.valueCounts(table, null, params(schemas.valueCountsQuery, { column: 'region' }))],
    ['value-counts number', () => analysis.valueCounts(table, null, params(schemas.valueCountsQuery, { column: 'units' }))],
    ['histogram', () => analysis.histogram(table, null, params(schemas.histogramQuery, { column: 'price', bins: '20' }))],
    ['regression', () => analysis.regression(table, null, params(schemas.regressionQuery, { x: 'price', y: 'score' }))],
    ['groupby', () => analysis.groupby(table, null, params(schemas.groupbyQuery, { by: 'region', metrics: 'count,mean:price,sum:units,median:score,distinct:units' }))],
    ['groupby month', () => analysis.groupby(table, null, params(schemas.groupbyQuery, { by: 'day:month', metrics: 'count,mean:price' }))],
    ['insights', () => analysis.insights(table, null, params(schemas.insightsQuery, {}))],
    ['sort', () => sortRows(table, rows, parseSortParam('-price,region'))],
    ...CHARTS.map((c, i): [string, () => unknown] => [`chart ${i + 1} (${(c as { type: string }).type})`, () => buildChartData(table, chartRequestSchema.parse(c))]),
  ];
  const failed = new Set<string>();
  for (let pass = 0; pass < 2; pass++) {
    for (const [name, step] of steps) {
      try {
        step();
      } catch {
        failed.add(name);
      }
    }
  }
  return { ms: performance.now() - started, failed: [...failed] };
}
