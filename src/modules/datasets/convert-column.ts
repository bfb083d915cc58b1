// Changing a column's type (PATCH /datasets/:id columns[].type). Each present value either
// converts or becomes null; the counts of both are reported back as `conversions`.
import { cellValue, type Column, type ColumnType } from '../../core/column.js';
import { classifiedValue, classifyText, K_BOOLEAN, K_DATE, K_DATETIME, K_INTEGER, K_NUMBER } from '../ingest/infer-value.js';

const DAY_MS = 86_400_000;
const MAX_SAFE = 2 ** 53;

export interface Conversion {
  column: Column;
  converted: number;
  nulled: number;
}

/** One present value of the source column as the target type's stored number (NaN: does not convert). */
type ValueConverter = (value: number) => number;

/** Text → value through the same rules as upload inference, so "12" retyped to integer is 12. */
function fromText(text: string, to: Exclude<ColumnType, 'string'>): number {
  const kind = classifyText(text.trim());
  const v = classifiedValue();
  switch (to) {
    case 'integer':
      return kind === K_INTEGER ? v : kind === K_NUMBER && Number.isInteger(v) && Math.abs(v) <= MAX_SAFE ? v : NaN;
    case 'number':
      return kind === K_INTEGER || kind === K_NUMBER ? v : NaN;
    case 'boolean':
      return kind === K_BOOLEAN ? v : NaN;
    case 'date':
      return kind === K_DATE ? v : kind === K_DATETIME ? Math.floor(v / DAY_MS) * DAY_MS : NaN;
    case 'datetime':
      return kind === K_DATE || kind === K_DATETIME ? v : NaN;
  }
}

/** Between typed columns: what a user would expect (1.0 → 1, true → 1, a datetime → its day). */
function between(from: ColumnType, to: Exclude<ColumnType, 'string'>): ValueConverter {
  const numeric = from === 'integer' || from === 'number';
  const time = from === 'date' || from === 'datetime';
  switch (to) {
    case 'integer':
      if (numeric || from === 'boolean') return (v) => (Number.isInteger(v) && Math.abs(v) <= MAX_SAFE ? v : NaN);
      return () => NaN;
    case 'number':
      return numeric || from === 'boolean' ? (v) => v : () => NaN;
    case 'boolean':
      return numeric || from === 'boolean' ? (v) => (v === 0 || v === 1 ? v : NaN) : () => NaN;
    case 'date':
      return time ? (v) => Math.floor(v / DAY_MS) * DAY_MS : () => NaN;
    case 'datetime':
      return time ? (v) => v : () => NaN;
  }
}

export function convertColumn(col: Column, to: ColumnType, rowCount: number): Conversion {
  if (col.type === to) return { column: col, converted: 0, nulled: 0 };
  let converted = 0;
  let nulled = 0;

  if (to === 'string') {
    // Every value has a text form: the one the API returns.
    const keys = new Map<string, number>();
    const dict: string[] = [];
    const codes = new Int32Array(rowCount);
    for (let i = 0; i < rowCount; i++) {
      const v = cellValue(col, i);
      if (v === null) {
        codes[i] = -1;
        continue;
      }
      const text = String(v);
      let code = keys.get(text);
      if (code === undefined) {
        code = dict.length;
        dict.push(text);
        keys.set(text, code);
      }
      codes[i] = code;
      converted++;
    }
    return { column: { name: col.name, type: 'string', codes, dict }, converted, nulled };
  }

  const values = new Float64Array(rowCount);
  if (col.type === 'string') {
    // Convert each distinct text once.
    const byCode = Float64Array.from(col.dict, (text) => fromText(text, to));
    for (let i = 0; i < rowCount; i++) {
      const code = col.codes[i];
      const v = code < 0 ? NaN : byCode[code];
      values[i] = v;
      if (code >= 0) Number.isNaN(v) ? nulled++ : converted++;
    }
  } else {
    const convert = between(col.type, to);
    for (let i = 0; i < rowCount; i++) {
      const src = col.values[i];
      if (Number.isNaN(src)) {
        values[i] = NaN;
        continue;
      }
      const v = convert(src);
      values[i] = v;
      Number.isNaN(v) ? nulled++ : converted++;
    }
  }
  return { column: { name: col.name, type: to, values }, converted, nulled };
}
