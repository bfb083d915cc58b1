// Deterministic synthetic CSV for the benchmark: 10 columns (4 floats with ~5% missing, 2 integers,
// a 20-level and a 1,000-level string column, an ISO date, a boolean). The same seed and row count
// always give the same bytes, so Statlas and pandas read exactly the same file.
import { createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export const BENCH_COLUMNS = ['price', 'revenue', 'score', 'ratio', 'qty', 'customer_id', 'region', 'sku', 'order_date', 'active'] as const;
export const NUMERIC_COLUMNS = ['price', 'revenue', 'score', 'ratio', 'qty', 'customer_id'] as const;

/** xorshift32: small, fast and the same on every machine. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

const DAY_MS = 86_400_000;
const START_DAY = Date.UTC(2020, 0, 1) / DAY_MS;
const DAYS = 4 * 365 + 1; // 2020-01-01 … 2023-12-31

/** One row per call, as CSV text (no newline). */
function rowMaker(seed: number) {
  const rand = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-300)) * Math.cos(2 * Math.PI * rand());
  const regions = Array.from({ length: 20 }, (_, i) => `region_${String(i + 1).padStart(2, '0')}`);
  const skus = Array.from({ length: 1000 }, (_, i) => `SKU-${String(i + 1).padStart(4, '0')}`);
  const dates = Array.from({ length: DAYS }, (_, i) => new Date((START_DAY + i) * DAY_MS).toISOString().slice(0, 10));
  const missing = (text: string) => (rand() < 0.05 ? '' : text);
  return (): string => {
    const regionIndex = Math.min(19, Math.floor(rand() * rand() * 20 * 1.3)); // skewed level frequencies
    const price = Math.max(0.5, 20 + regionIndex * 2 + gauss() * 8);
    const qty = 1 + Math.floor(rand() * 100);
    const revenue = price * qty * (0.9 + rand() * 0.2);
    const score = gauss() * 15 + 50;
    const ratio = rand();
    const customer = 1 + Math.floor(rand() * 200_000);
    return [
      missing(price.toFixed(2)),
      missing(revenue.toFixed(4)),
      missing(score.toFixed(3)),
      missing(ratio.toFixed(6)),
      String(qty),
      String(customer),
      regions[regionIndex],
      skus[Math.floor(rand() * 1000)],
      dates[Math.floor(rand() * DAYS)],
      rand() < 0.4 ? 'true' : 'false',
    ].join(',');
  };
}

/** Writes `rows` rows to `path` (skipped when the file exists with the expected size marker). */
export async function generateCsv(path: string, rows: number, seed = 20261125): Promise<{ path: string; bytes: number }> {
  if (existsSync(path)) return { path, bytes: statSync(path).size };
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.partial`;
  const out = createWriteStream(tmp);
  const next = rowMaker(seed);
  let buf = `${BENCH_COLUMNS.join(',')}\n`;
  for (let i = 0; i < rows; i++) {
    buf += `${next()}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.write(buf);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  const { rename } = await import('node:fs/promises');
  await rename(tmp, path);
  return { path, bytes: statSync(path).size };
}
