// Loads the chart oracle's fixture CSV through the real ingest (src/modules/ingest) and the
// expected results the pandas script wrote (tests/charts/oracle/make_chart_oracle.py).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ColumnType, Table } from '../../src/core/column.js';
import { ingestFile } from '../../src/modules/ingest/ingest.js';
import type { ChartRequestInput } from '../../src/modules/charts/charts.schemas.js';

const ORACLE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'oracle');

export interface OracleCase {
  name: string;
  request: ChartRequestInput;
  data: Record<string, unknown>[];
  meta: { rowsScanned: number; rowsReturned: number; truncated: boolean };
  exactFields: string[];
}

export interface Oracle {
  columns: { name: string; type: ColumnType }[];
  cases: OracleCase[];
}

export function loadOracle(): Oracle {
  return JSON.parse(readFileSync(join(ORACLE_DIR, 'chart_expected.json'), 'utf8')) as Oracle;
}

export async function loadFixtureTable(): Promise<Table> {
  const bytes = readFileSync(join(ORACLE_DIR, 'chart_fixture.csv'));
  const result = await ingestFile(bytes, {
    filename: 'chart_fixture.csv',
    header: true,
    limits: { maxRows: 1_000_000, maxColumns: 100, maxCellBytes: 32_768 },
  });
  return result.table;
}
