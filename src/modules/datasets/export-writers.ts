// Downloads of a dataset (GET /datasets/:id/export): CSV, JSON and XLSX.
// Text cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
// return) get a leading ' in every format, since any of them may end up opened in Excel.
// Numbers are written as numbers, so a negative number is not touched.
import type * as SheetJS from 'xlsx';
import { cellValue, type Column, type Table } from '../../core/column.js';

const FORMULA_START = /^[=+\-@\t\r]/;

export function escapeFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** The cell as exported: like the API's value, with text escaped. */
function exportCell(col: Column, row: number): string | number | boolean | null {
  const v = cellValue(col, row);
  return col.type === 'string' && typeof v === 'string' ? escapeFormula(v) : v;
}

function csvField(v: string | number | boolean | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(table: Table, rows: Int32Array): string {
  const cols = table.columns;
  const lines: string[] = [cols.map((c) => csvField(escapeFormula(c.name))).join(',')];
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k];
    let line = '';
    for (let j = 0; j < cols.length; j++) line += (j ? ',' : '') + csvField(exportCell(cols[j], r));
    lines.push(line);
  }
  return lines.join('\r\n') + '\r\n';
}

export function toJson(table: Table, rows: Int32Array): string {
  const cols = table.columns;
  const names = cols.map((c) => JSON.stringify(escapeFormula(c.name)));
  const parts: string[] = [];
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k];
    parts.push(`{${cols.map((c, j) => `${names[j]}:${JSON.stringify(exportCell(c, r))}`).join(',')}}`);
  }
  return `[${parts.join(',\n')}]\n`;
}

const EXCEL_EPOCH_DAYS = 25569; // 1970-01-01 as an Excel 1900-system serial

/** SheetJS adds about 10 MB to the process: it is loaded by the first XLSX download. */
export async function toXlsx(table: Table, rows: Int32Array, sheetName = 'data'): Promise<Buffer> {
  const XLSX: typeof SheetJS = await import('xlsx');
  // Cells are built directly so dates become real Excel dates (a serial with a date format),
  // free of any time zone conversion.
  const sheet: SheetJS.WorkSheet = {};
  const cols = table.columns;
  cols.forEach((c, j) => {
    sheet[XLSX.utils.encode_cell({ r: 0, c: j })] = { t: 's', v: escapeFormula(c.name) };
  });
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k];
    for (let j = 0; j < cols.length; j++) {
      const col = cols[j];
      const address = XLSX.utils.encode_cell({ r: k + 1, c: j });
      if (col.type === 'string') {
        const code = col.codes[r];
        if (code >= 0) sheet[address] = { t: 's', v: escapeFormula(col.dict[code]) };
        continue;
      }
      const v = col.values[r];
      if (Number.isNaN(v)) continue;
      if (col.type === 'boolean') sheet[address] = { t: 'b', v: v === 1 };
      else if (col.type === 'date') sheet[address] = { t: 'n', v: v / 864e5 + EXCEL_EPOCH_DAYS, z: 'yyyy-mm-dd' };
      else if (col.type === 'datetime') sheet[address] = { t: 'n', v: v / 864e5 + EXCEL_EPOCH_DAYS, z: 'yyyy-mm-dd hh:mm:ss' };
      else sheet[address] = { t: 'n', v };
    }
  }
  sheet['!ref'] = XLSX.utils.encode_range({ s: { r: 0, c: 0 }, e: { r: rows.length, c: Math.max(0, cols.length - 1) } });
  const book = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(book, sheet, sheetName);
  return XLSX.write(book, { type: 'buffer', bookType: 'xlsx', compression: true }) as Buffer;
}
