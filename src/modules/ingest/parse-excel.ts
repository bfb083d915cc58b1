// Excel and OpenDocument uploads (xlsx, xls, ods) through SheetJS, into a TableBuilder.
//
// - xlsx/ods are zips: zip-guard checks them first (SheetJS has no size limits of its own, so a
//   decompression bomb would cost seconds and gigabytes before any of our checks could run).
// - Only the chosen sheet is read where SheetJS allows it (xlsx); the first one by default.
// - Dates: cells are read as raw serial numbers (cellDates:false: SheetJS would build Dates in the
//   process time zone) and a number cell with a date format becomes a UTC date, or a datetime when
//   the serial has a time part. The 1904 date system (old Mac workbooks) shifts serials by 1462 days.
// - Text cells go through the missing markers and type inference like CSV fields; numbers, booleans
//   and dates keep their type. Error cells (#DIV/0!, #N/A…) are missing. Blank rows are skipped.
import { Buffer } from 'node:buffer';
import * as XLSX from 'xlsx';
import { AppError } from '../../errors.js';
import type { IngestOptions, IngestResult, SheetInfo } from './ingest.types.js';
import { TableBuilder } from './table-builder.js';
import { cfbProblem } from './cfb-check.js';
import { checkZip } from './zip-guard.js';

const DAY_MS = 86_400_000;
/** Days between Excel's 1900 epoch (serial 0 = 1899-12-30 in practice) and 1970-01-01. */
const EPOCH_OFFSET_DAYS = 25569;
/** The 1904 date system counts from 1904-01-01: serial 0 there is serial 1462 in the 1900 system. */
const DATE1904_OFFSET_DAYS = 1462;
const PROGRESS_EVERY = 65536;

type ExcelFormat = 'xlsx' | 'xls' | 'ods';

interface SheetCell {
  t?: string;
  v?: unknown;
  w?: string;
  z?: string | number;
}

/** Milliseconds since 1970 (UTC) of an Excel date serial. */
export function excelSerialToMs(serial: number, date1904: boolean): number {
  let days = serial;
  if (date1904) days += DATE1904_OFFSET_DAYS;
  // Excel's 1900 system counts a 29 Feb 1900 that never was: serials before it are one day behind.
  else if (serial < 60) days += 1;
  return Math.round((days - EPOCH_OFFSET_DAYS) * DAY_MS);
}

/** Parses the chosen sheet of a workbook into a typed table. */
export function parseExcel(bytes: Uint8Array, format: ExcelFormat, opts: IngestOptions): IngestResult {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (format === 'xlsx' || format === 'ods') checkZip(bytes);
  else checkLegacyContainer(buffer);

  const wb = readWorkbook(buffer, format, opts.sheet);
  const name = resolveSheet(wb.SheetNames, opts.sheet);
  const ws = wb.Sheets[name];
  if (!ws) throw AppError.parse(`The sheet "${name}" could not be read.`, { sheet: name });
  opts.onProgress?.(0.5);

  const date1904 = Boolean(wb.Workbook?.WBProps?.date1904);
  const table = buildSheet(ws, name, date1904, opts);
  opts.onProgress?.(1);

  const sheets: SheetInfo[] = wb.SheetNames.map((n) => (n === name ? { name: n, rowCount: table.table.rowCount } : { name: n }));
  return { format, encoding: null, delimiter: null, sheets, ...table };
}

/** A CFB file holds an xls workbook only when it has a Workbook (BIFF8) or Book (BIFF5) stream. */
function checkLegacyContainer(buffer: Buffer): void {
  // Before SheetJS: some damage sends its reader into a loop that ends the whole process.
  if (cfbProblem(buffer)) throw AppError.parse('The spreadsheet is damaged and cannot be read.');
  let cfb: unknown;
  try {
    cfb = XLSX.CFB.read(buffer, { type: 'buffer' });
  } catch {
    throw AppError.parse('The spreadsheet is damaged and cannot be read.');
  }
  const find = (path: string): boolean => Boolean(XLSX.CFB.find(cfb, path));
  if (find('Workbook') || find('Book')) return;
  // An encrypted xlsx travels inside a CFB container.
  if (find('EncryptedPackage') || find('EncryptionInfo')) {
    throw AppError.parse('The workbook is protected with a password. Save it without one and upload it again.');
  }
  throw new AppError('UNSUPPORTED_FILE_TYPE', 'This Office file is not a spreadsheet. Upload CSV, TSV, JSON, NDJSON, XLSX, XLS or ODS.');
}

function readWorkbook(buffer: Buffer, format: ExcelFormat, sheet: string | number | undefined): XLSX.WorkBook {
  // Read only the sheet asked for (SheetJS honours this for xlsx). A numeric text may be a sheet's
  // name or its index, so both candidates are read; resolveSheet picks.
  const wanted: (string | number)[] = [];
  if (sheet === undefined || sheet === '') wanted.push(0);
  else {
    wanted.push(sheet);
    if (typeof sheet === 'string' && /^\d+$/.test(sheet.trim())) wanted.push(Number(sheet.trim()));
  }
  try {
    return XLSX.read(buffer, { type: 'buffer', dense: true, cellDates: false, cellNF: true, cellHTML: false, sheets: wanted });
  } catch (err) {
    if (err instanceof AppError) throw err;
    const label = format.toUpperCase();
    throw AppError.parse(`The ${label} file is damaged or cut short and cannot be read.`);
  }
}

/** The sheet name for `sheet` (a name, or a 0-based index as a number or digits); 400 naming `sheet` otherwise. */
export function resolveSheet(names: string[], sheet: string | number | undefined): string {
  if (names.length === 0) throw AppError.parse('The workbook has no sheets.');
  if (sheet === undefined || sheet === '') return names[0];
  if (typeof sheet === 'string') {
    if (names.includes(sheet)) return sheet;
    const t = sheet.trim();
    if (names.includes(t)) return t;
    if (/^\d+$/.test(t)) sheet = Number(t);
  }
  if (typeof sheet === 'number' && Number.isInteger(sheet) && sheet >= 0 && sheet < names.length) return names[sheet];
  throw AppError.validation([
    { path: 'sheet', message: `There is no sheet ${JSON.stringify(sheet)}. The sheets are: ${names.join(', ')} (or 0 to ${names.length - 1}).` },
  ]);
}

function isEmptyCell(cell: SheetCell | undefined | null): boolean {
  if (!cell) return true;
  if (cell.t === 'z' || cell.v === undefined || cell.v === null) return true;
  return cell.t === 's' && cell.v === '';
}

/** Header text of a cell: what Excel shows. */
function headerText(cell: SheetCell | undefined | null): string | null {
  if (isEmptyCell(cell)) return null;
  return cell!.w ?? String(cell!.v);
}

function buildSheet(ws: XLSX.WorkSheet, sheet: string, date1904: boolean, opts: IngestOptions) {
  const { limits } = opts;
  const data = ((ws as { '!data'?: (SheetCell | null | undefined)[][] })['!data'] ?? []) as (SheetCell | null | undefined)[][];
  const ref = ws['!ref'];
  if (!ref) {
    if (opts.header) throw AppError.parse(`The sheet "${sheet}" is empty.`, { sheet });
    return new TableBuilder(limits).finish();
  }
  const range = XLSX.utils.decode_range(ref);
  const r0 = range.s.r;
  const c0 = range.s.c;
  const rEnd = Math.min(range.e.r, data.length - 1);

  // Width: up to the last column holding anything (styled but empty cells widen !ref for nothing).
  let lastCol = -1;
  for (let r = r0; r <= rEnd; r++) {
    const row = data[r];
    if (!row) continue;
    for (let c = Math.min(row.length - 1, range.e.c); c > lastCol && c >= c0; c--) {
      if (!isEmptyCell(row[c])) {
        lastCol = c;
        break;
      }
    }
  }
  if (lastCol < 0) {
    if (opts.header) throw AppError.parse(`The sheet "${sheet}" is empty.`, { sheet });
    return new TableBuilder(limits).finish();
  }
  const width = lastCol - c0 + 1;
  if (width > limits.maxColumns) {
    throw new AppError('FILE_TOO_LARGE', `The sheet has more than ${limits.maxColumns} columns, the limit.`, {
      sheet,
      limit: limits.maxColumns,
    });
  }

  // The header is the first row that holds anything (rows above the data are often blank).
  let first = r0;
  while (first <= rEnd && rowIsBlank(data[first], c0, lastCol)) first++;
  let rawNames: (string | null)[];
  let start: number;
  if (opts.header) {
    const row = data[first] ?? [];
    rawNames = [];
    for (let c = c0; c <= lastCol; c++) rawNames.push(headerText(row[c]));
    start = first + 1;
  } else {
    rawNames = new Array<null>(width).fill(null);
    start = first;
  }

  let forceString = new Set<number>();
  for (;;) {
    const builder = new TableBuilder(limits, { rawNames, forceString, capacity: Math.max(0, rEnd - start + 1) });
    fillRows(builder, data, { start, end: rEnd, c0, lastCol, date1904, sheet, onProgress: opts.onProgress });
    const restart = builder.restartColumns();
    if (restart.length === 0) return builder.finish();
    forceString = new Set([...forceString, ...restart]);
  }
}

function rowIsBlank(row: (SheetCell | null | undefined)[] | undefined, c0: number, lastCol: number): boolean {
  if (!row) return true;
  const end = Math.min(lastCol, row.length - 1);
  for (let c = c0; c <= end; c++) if (!isEmptyCell(row[c])) return false;
  return true;
}

interface FillFrame {
  start: number;
  end: number;
  c0: number;
  lastCol: number;
  date1904: boolean;
  sheet: string;
  onProgress?: (fraction: number) => void;
}

function fillRows(builder: TableBuilder, data: (SheetCell | null | undefined)[][], f: FillFrame): void {
  let r = f.start;
  let c = f.c0;
  try {
    for (; r <= f.end; r++) {
      const row = data[r];
      if (rowIsBlank(row, f.c0, f.lastCol)) continue;
      const end = Math.min(f.lastCol, row.length - 1);
      for (c = f.c0; c <= end; c++) {
        const cell = row[c];
        if (isEmptyCell(cell)) continue;
        putCell(builder, c - f.c0, cell!, f.date1904);
      }
      builder.endRow();
      if (f.onProgress && (r - f.start + 1) % PROGRESS_EVERY === 0) {
        f.onProgress(0.5 + (0.5 * (r - f.start + 1)) / (f.end - f.start + 1));
      }
    }
  } catch (err) {
    // Say where in the workbook it happened.
    if (err instanceof AppError && err.details.sheet === undefined) {
      throw new AppError(err.code, err.message, { ...err.details, sheet: f.sheet, cell: XLSX.utils.encode_cell({ r, c }) });
    }
    throw err;
  }
}

function putCell(builder: TableBuilder, col: number, cell: SheetCell, date1904: boolean): void {
  const v = cell.v;
  switch (cell.t) {
    case 's':
    case 'str':
      builder.text(col, String(v));
      return;
    case 'n':
      if (typeof v === 'number' && isDateFormat(cell.z)) builder.value(col, new Date(excelSerialToMs(v, date1904)));
      else builder.value(col, v);
      return;
    case 'b':
      builder.value(col, Boolean(v));
      return;
    case 'd': {
      // Only when a writer stored a real date cell (cellDates is off, so SheetJS does not make these).
      const ms = v instanceof Date ? v.getTime() : Date.parse(String(v));
      builder.value(col, Number.isNaN(ms) ? null : new Date(ms));
      return;
    }
    case 'e':
      builder.value(col, null);
      return;
    default:
      builder.text(col, cell.w ?? String(v));
  }
}

const dateFormatCache = new Map<string | number, boolean>();

function isDateFormat(z: string | number | undefined): boolean {
  if (z === undefined || z === 'General') return false;
  let known = dateFormatCache.get(z);
  if (known === undefined) {
    known = Boolean(XLSX.SSF.is_date(z));
    dateFormatCache.set(z, known);
  }
  return known;
}
