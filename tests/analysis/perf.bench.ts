// Timing of summary / pearson / spearman / kendall on a synthetic 1M × 10 table (not a jest test).
// Run: npx tsx tests/analysis/perf.bench.ts [rows]   — writes /tmp/analysis-bench.bin for the pandas twin
// (tests/analysis/perf_pandas.py), which times the same analyses on the same numbers.
import { writeFileSync } from 'node:fs';
import type { Column, Table } from '../../src/core/column.js';
import { correlations, groupby, insights, summary } from '../../src/modules/analysis/analysis.service.js';

const N = Number(process.argv[2] ?? 1_000_000);
let seed = 12345;
const rand = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};
const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-300)) * Math.cos(2 * Math.PI * rand());

function makeTable(): Table {
  const cols: Column[] = [];
  const base = new Float64Array(N);
  for (let i = 0; i < N; i++) base[i] = gauss();
  for (let c = 0; c < 10; c++) {
    const v = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      let x: number;
      if (c < 4) x = Math.round((base[i] * (c + 1) + gauss() * 3 + 100) * 100) / 100; // prices, correlated
      else if (c < 6) x = Math.floor(rand() * 1000); // integers with ties
      else if (c < 8) x = Math.exp(gauss()); // skewed floats
      else x = Math.floor(rand() * 20); // heavy ties
      v[i] = rand() < 0.02 * (c % 3) ? NaN : x; // some columns with ~2–4% missing
    }
    cols.push({ name: `c${c}`, type: c >= 4 && c < 6 ? 'integer' : c >= 8 ? 'integer' : 'number', values: v });
  }
  return { rowCount: N, columns: cols };
}

const table = makeTable();
const buf = Buffer.alloc(N * 10 * 8);
table.columns.forEach((c, j) => {
  if (c.type !== 'string') Buffer.from(c.values.buffer).copy(buf, j * N * 8);
});
writeFileSync('/tmp/analysis-bench.bin', buf);

function time(label: string, f: () => unknown, runs = 3): void {
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = process.hrtime.bigint();
    f();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  console.log(`${label.padEnd(22)} first ${ms[0].toFixed(0)} ms, then ${ms.slice(1).map((m) => m.toFixed(0)).join(' / ')} ms`);
}

console.log(`${N} rows x 10 numeric columns`);
time('summary', () => summary(table, null, {}));
time('pearson', () => correlations(table, null, { method: 'pearson' }));
time('spearman', () => correlations(table, null, { method: 'spearman' }));
if (N <= 1_000_000) time('kendall', () => correlations(table, null, { method: 'kendall' }), 1);
const rows = Int32Array.from({ length: Math.floor(N / 2) }, (_, i) => i * 2);
time('insights', () => insights(table, null, {}), 2);
time('groupby c8: 3 metrics', () => groupby(table, null, { by: ['c8'], metrics: ['count', 'mean:c0', 'sum:c1'] }));
time('summary (half rows)', () => summary(table, rows, {}));
time('spearman (half rows)', () => correlations(table, rows, { method: 'spearman' }));
