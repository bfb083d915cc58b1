// Builds a Table from a fixture CSV for the analysis tests: through the real ingest code when it
// loads (src/modules/ingest/ingest.ts), else with papaparse and the contract's typing rules
// (the same rules the oracle applies in make_oracle.py).
import { readFileSync } from 'node:fs';
import Papa from 'papaparse';
import type { Column, ColumnType, Table } from '../../src/core/column.js';

const NA = new Set(['', 'NA', 'N/A', 'n/a', 'NaN', 'nan', '-NaN', '-nan', 'NULL', 'null', 'None', '<NA>', '#N/A', '#N/A N/A', '#NA',
  '-1.#IND', '-1.#QNAN', '1.#IND', '1.#QNAN']);
const INT = /^[+-]?\d+$/;
const NUM = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?$/;

export function tableFromCsvText(text: string): Table {
  const parsed = Papa.parse<string[]>(text.trim(), { skipEmptyLines: true });
  const [header, ...body] = parsed.data;
  const columns: Column[] = header.map((name, j) => {
    const cells = body.map((r) => {
      const s = (r[j] ?? '').trim();
      return NA.has(s) ? null : s;
    });
    const present = cells.filter((s): s is string => s !== null);
    const all = (re: RegExp) => present.length > 0 && present.every((s) => re.test(s));
    let type: ColumnType = 'string';
    if (present.length && present.every((s) => /^(true|false)$/i.test(s))) type = 'boolean';
    else if (all(INT) && !present.some((s) => /^[+-]?0\d/.test(s))) type = 'integer';
    else if (all(NUM)) type = 'number';
    else if (all(DATE)) type = 'date';
    else if (all(DATETIME)) type = 'datetime';
    if (type === 'string') {
      const dict: string[] = [];
      const index = new Map<string, number>();
      const codes = Int32Array.from(body.map((r) => {
        const raw = r[j] ?? '';
        if (NA.has(raw.trim())) return -1;
        let c = index.get(raw);
        if (c === undefined) {
          c = dict.length;
          index.set(raw, c);
          dict.push(raw);
        }
        return c;
      }));
      return { name, type, codes, dict };
    }
    const values = Float64Array.from(cells, (s) => {
      if (s === null) return NaN;
      if (type === 'boolean') return s.toLowerCase() === 'true' ? 1 : 0;
      if (type === 'date' || type === 'datetime') return Date.parse(type === 'datetime' && !s.endsWith('Z') ? `${s}Z` : s);
      return Number(s);
    });
    return { name, type, values } as Column;
  });
  return { rowCount: body.length, columns };
}

/** 'ingest' when the real ingest code built the table, 'papaparse' for the fallback. */
export let tableSource: 'ingest' | 'papaparse' = 'papaparse';

export async function tableFromCsvFile(path: string): Promise<Table> {
  const bytes = readFileSync(path);
  let ingest: typeof import('../../src/modules/ingest/ingest.js') | null = null;
  try {
    ingest = await import('../../src/modules/ingest/ingest.js');
  } catch {
    ingest = null; // not loadable yet (being written): fall back
  }
  if (!ingest) {
    tableSource = 'papaparse';
    return tableFromCsvText(bytes.toString('utf8'));
  }
  const result = await ingest.ingestFile(new Uint8Array(bytes), {
    filename: path.split('/').pop()!,
    header: true,
    limits: { maxRows: 1e7, maxColumns: 1000, maxCellBytes: 1e6 },
  });
  tableSource = 'ingest';
  return result.table;
}
