// Excel/ODS ingest: workbooks are written in the test with SheetJS (xlsx, xls, ods); zip bombs are
// built by hand with zlib.
import zlib from 'node:zlib';
import { describe, expect, test } from '@jest/globals';
import * as XLSX from 'xlsx';
import { cellValue, type Table } from '../../src/core/column.js';
import { AppError } from '../../src/errors.js';
import { ingestFile, inspectFile } from '../../src/modules/ingest/ingest.js';
import type { IngestOptions } from '../../src/modules/ingest/ingest.types.js';
import { excelSerialToMs } from '../../src/modules/ingest/parse-excel.js';
import { checkZip, listZipEntries } from '../../src/modules/ingest/zip-guard.js';
import { ingestError, LIMITS, rows, utf8 } from './ingest-helpers.js';
import { zipOf } from '../helpers/zip.js';

const opts = (filename: string, extra: Partial<IngestOptions> = {}): IngestOptions => ({ filename, header: true, limits: LIMITS, ...extra });
type BookType = 'xlsx' | 'xls' | 'ods';
const BOOK_TYPES: BookType[] = ['xlsx', 'xls', 'ods'];



/** A sheet from cell objects (a plain SheetJS sparse sheet), so cell types and formats are exact. */
function sheet(cells: (XLSX.CellObject | null)[][]): XLSX.WorkSheet {
  const ws: XLSX.WorkSheet = {};
  let maxC = 0;
  cells.forEach((row, r) =>
    row.forEach((cell, c) => {
      if (!cell) return;
      ws[XLSX.utils.encode_cell({ r, c })] = cell;
      maxC = Math.max(maxC, c);
    }),
  );
  ws['!ref'] = XLSX.utils.encode_range({ s: { r: 0, c: 0 }, e: { r: cells.length - 1, c: maxC } });
  return ws;
}

function book(sheets: [string, XLSX.WorkSheet][], date1904 = false): XLSX.WorkBook {
  const wb = XLSX.utils.book_new();
  for (const [name, ws] of sheets) XLSX.utils.book_append_sheet(wb, ws, name);
  wb.Workbook = { ...(wb.Workbook ?? {}), WBProps: { date1904 } };
  return wb;
}

const write = (wb: XLSX.WorkBook, bookType: BookType): Uint8Array =>
  Uint8Array.from(XLSX.write(wb, { bookType, type: 'buffer', compression: true }) as Buffer);

const s = (v: string): XLSX.CellObject => ({ t: 's', v });
const n = (v: number, z?: string): XLSX.CellObject => (z ? { t: 'n', v, z } : { t: 'n', v });
const b = (v: boolean): XLSX.CellObject => ({ t: 'b', v });

// Excel serials (independent of SheetJS): 1900 system, serial 1 = 1900-01-01 and 45322 = 2024-01-31;
// the 1904 system counts from 1904-01-01 (= 1900-system serial 1462), so 2024-01-31 is 43860 there.
const SERIAL_2024_01_31 = 45322;
const SERIAL_1904_2024_01_31 = 45322 - 1462;

function salesSheet(date1904: boolean): XLSX.WorkSheet {
  const d = date1904 ? SERIAL_1904_2024_01_31 : SERIAL_2024_01_31;
  return sheet([
    [s('region'), s('units'), s('price'), s('day'), s('at'), s('ok'), s('note'), s(''), s('units')],
    [s('north'), n(3), n(1.5), n(d, 'm/d/yy'), n(d + 0.75, 'm/d/yy'), b(true), s('NA'), n(1), n(10)],
    [s('south'), n(4), n(2), n(d + 1, 'm/d/yy'), n(d + 1, 'm/d/yy'), b(false), s(' 42 '), null, n(20)],
    [null, null, null, null, null, null, null, null, null],
    [s('east'), null, n(-0.25), null, null, null, { t: 'e', v: 0x07 } as XLSX.CellObject, n(3), n(30)],
  ]);
}

describe.each(BOOK_TYPES)('%s workbooks', (bookType) => {
  const file = `book.${bookType}`;

  test.each([false, true])('when cells are numbers, dates, booleans and text (date1904=%s), then they come back typed', async (date1904) => {
    const bytes = write(book([['Sales', salesSheet(date1904)], ['Other', sheet([[s('x')], [n(1)]])]], date1904), bookType);
    const r = await ingestFile(bytes, opts(file));
    expect(r).toMatchObject({ format: bookType, encoding: null, delimiter: null });
    expect(r.sheets).toEqual([{ name: 'Sales', rowCount: 3 }, { name: 'Other' }]);
    expect(r.columns.map((c) => [c.name, c.type])).toEqual([
      ['region', 'string'],
      ['units', 'integer'],
      ['price', 'number'],
      ['day', 'date'],
      ['at', 'datetime'],
      ['ok', 'boolean'],
      ['note', 'integer'], // text cells: "NA" is missing, " 42 " infers as an integer
      ['column_8', 'integer'],
      ['units_2', 'integer'],
    ]);
    // The blank row is skipped; the error cell (#DIV/0!) is missing.
    expect(rows(r.table)).toEqual([
      { region: 'north', units: 3, price: 1.5, day: '2024-01-31', at: '2024-01-31T18:00:00.000Z', ok: true, note: null, column_8: 1, units_2: 10 },
      { region: 'south', units: 4, price: 2, day: '2024-02-01', at: '2024-02-01T00:00:00.000Z', ok: false, note: 42, column_8: null, units_2: 20 },
      { region: 'east', units: null, price: -0.25, day: null, at: null, ok: null, note: null, column_8: 3, units_2: 30 },
    ]);
  });

  test('when a sheet is chosen by name, by index or by index text, then that sheet is read', async () => {
    const bytes = write(book([['First', sheet([[s('a')], [n(1)]])], ['Second', sheet([[s('b')], [n(2)], [n(3)]])]]), bookType);
    for (const choice of ['Second', 1, '1']) {
      const r = await ingestFile(bytes, opts(file, { sheet: choice }));
      expect(r.table.columns.map((c) => c.name)).toEqual(['b']);
      expect(r.sheets).toEqual([{ name: 'First' }, { name: 'Second', rowCount: 2 }]);
    }
  });

  test('when the sheet does not exist, then 400 names the sheet field', async () => {
    const bytes = write(book([['Only', sheet([[s('a')], [n(1)]])]]), bookType);
    for (const choice of ['Nope', 3, '-1']) {
      const err = await ingestError(bytes, opts(file, { sheet: choice }));
      expect(err.code).toBe('VALIDATION_ERROR');
      expect(err.details).toEqual({ fields: [expect.objectContaining({ path: 'sheet' })] });
    }
  });

  test('when header=false, then columns are column_1..N and the first row is data', async () => {
    const bytes = write(book([['S', sheet([[s('x'), n(1)], [s('y'), n(2)]])]]), bookType);
    const r = await ingestFile(bytes, opts(file, { header: false }));
    expect(rows(r.table)).toEqual([{ column_1: 'x', column_2: 1 }, { column_1: 'y', column_2: 2 }]);
  });

  test('when a sheet is only a header, then rowCount is 0', async () => {
    const bytes = write(book([['S', sheet([[s('a'), s('b')]])]]), bookType);
    const r = await ingestFile(bytes, opts(file));
    expect(r.table.rowCount).toBe(0);
    expect(r.table.columns.map((c) => c.name)).toEqual(['a', 'b']);
  });

  test('when the file is cut short, then 422', async () => {
    const bytes = write(book([['S', salesSheet(false)]]), bookType);
    const err = await ingestError(bytes.subarray(0, Math.floor(bytes.length * 0.6)), opts(file));
    expect(err.code).toBe('PARSE_ERROR');
  });

  test('when the workbook is inspected, then sheets, types, samples and preview rows are shown', async () => {
    const bytes = write(book([['Sales', salesSheet(false)], ['Other', sheet([[s('x')], [n(1)]])]]), bookType);
    const r = await inspectFile(bytes, opts(file));
    expect(r.sheets?.map((x) => x.name)).toEqual(['Sales', 'Other']);
    expect(r.columns[3]).toEqual({ name: 'day', type: 'date', sample: ['2024-01-31', '2024-02-01'] });
    expect(r.previewRows).toHaveLength(3);
  });
});

describe('Excel details', () => {
  test('when a date serial is converted, then it matches Excel epochs (1900 with its leap-year bug, and 1904)', () => {
    expect(new Date(excelSerialToMs(1, false)).toISOString()).toBe('1900-01-01T00:00:00.000Z');
    expect(new Date(excelSerialToMs(59, false)).toISOString()).toBe('1900-02-28T00:00:00.000Z');
    expect(new Date(excelSerialToMs(61, false)).toISOString()).toBe('1900-03-01T00:00:00.000Z');
    expect(new Date(excelSerialToMs(SERIAL_2024_01_31 + 0.5, false)).toISOString()).toBe('2024-01-31T12:00:00.000Z');
    expect(new Date(excelSerialToMs(0, true)).toISOString()).toBe('1904-01-01T00:00:00.000Z');
    expect(new Date(excelSerialToMs(SERIAL_1904_2024_01_31, true)).toISOString()).toBe('2024-01-31T00:00:00.000Z');
  });

  test('when a cell is over the cell limit, then 413 says the sheet and cell', async () => {
    const bytes = write(book([['Big', sheet([[s('a'), s('b')], [n(1), s('x'.repeat(200))]])]]), 'xlsx');
    const err = await ingestError(bytes, opts('b.xlsx', { limits: { ...LIMITS, maxCellBytes: 100 } }));
    expect(err.code).toBe('FILE_TOO_LARGE');
    expect(err.details).toMatchObject({ sheet: 'Big', cell: 'B2' });
  });

  test('when a sheet has more rows or columns than allowed, then 413', async () => {
    const bytes = write(book([['S', sheet([[s('a'), s('b'), s('c')], [n(1), n(2), n(3)], [n(1), n(2), n(3)]])]]), 'xlsx');
    expect((await ingestError(bytes, opts('b.xlsx', { limits: { ...LIMITS, maxRows: 1 } }))).code).toBe('FILE_TOO_LARGE');
    expect((await ingestError(bytes, opts('b.xlsx', { limits: { ...LIMITS, maxColumns: 2 } }))).code).toBe('FILE_TOO_LARGE');
  });

  test('when an xlsx is sent with a .csv name, then the content decides', async () => {
    const bytes = write(book([['S', sheet([[s('a')], [n(1)]])]]), 'xlsx');
    expect((await ingestFile(bytes, opts('data.csv'))).format).toBe('xlsx');
  });

  test('when a legacy Office container holds no workbook, then 415', async () => {
    const cfb = XLSX.CFB.utils.cfb_new();
    XLSX.CFB.utils.cfb_add(cfb, '/WordDocument', Buffer.from('not a sheet'));
    const bytes = Uint8Array.from(XLSX.CFB.write(cfb, { type: 'buffer' }) as Buffer);
    expect((await ingestError(bytes, opts('x.xls'))).code).toBe('UNSUPPORTED_FILE_TYPE');
  });
});

// ---- zip bombs ----

interface ZipPart {
  name: string;
  data: Buffer;
  /** Size to write in the headers (default: the true size). */
  declaredSize?: number;
}

/** A zip whose entries are deflated with zlib, with sizes in the headers as given. */
function zip(parts: ZipPart[]): Uint8Array {
  return Uint8Array.from(
    zipOf(parts.map((p) => ({
      name: p.name,
      data: zlib.deflateRawSync(p.data, { level: 9 }),
      method: 8,
      declaredSize: p.declaredSize ?? p.data.length,
      crc: zlib.crc32(p.data),
    }))),
  );
}

const CONTENT_TYPES = Buffer.from('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"></Types>');
const WORKBOOK = Buffer.from('<?xml version="1.0"?><workbook/>');

describe('zip bombs (checked before SheetJS)', () => {
  test('when an xlsx declares a huge sheet from a tiny entry, then 413 without inflating', async () => {
    const huge = Buffer.alloc(64 * 1024 * 1024, 0x20);
    const bytes = zip([
      { name: '[Content_Types].xml', data: CONTENT_TYPES },
      { name: 'xl/workbook.xml', data: WORKBOOK },
      { name: 'xl/worksheets/sheet1.xml', data: huge },
    ]);
    expect(bytes.length).toBeLessThan(200_000);
    const t0 = Date.now();
    const err = await ingestError(bytes, opts('bomb.xlsx'));
    expect(err.code).toBe('FILE_TOO_LARGE');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  test('when an entry lies about its size, then inflating stops at the declared size and it is 413', async () => {
    const bytes = zip([
      { name: '[Content_Types].xml', data: CONTENT_TYPES },
      { name: 'xl/workbook.xml', data: WORKBOOK },
      { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(8 * 1024 * 1024, 0x20), declaredSize: 1000 },
    ]);
    expect(() => checkZip(bytes)).toThrow(expect.objectContaining({ code: 'FILE_TOO_LARGE' }));
    expect((await ingestError(bytes, opts('liar.xlsx'))).code).toBe('FILE_TOO_LARGE');
  });

  test('when the entries together unpack past the cap, then 413', () => {
    const parts = Array.from({ length: 5 }, (_, i) => ({ name: `xl/worksheets/sheet${i}.xml`, data: Buffer.alloc(1024 * 1024, 0x41) }));
    expect(() => checkZip(zip(parts), { maxTotalBytes: 4 * 1024 * 1024 })).toThrow(expect.objectContaining({ code: 'FILE_TOO_LARGE' }));
    expect(checkZip(zip(parts), { maxTotalBytes: 6 * 1024 * 1024 })).toHaveLength(5);
  });

  test('when a zip has too many entries, then 413', () => {
    const parts = Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, data: Buffer.from('x') }));
    expect(() => checkZip(zip(parts), { maxEntries: 10 })).toThrow(expect.objectContaining({ code: 'FILE_TOO_LARGE' }));
  });

  test('when a real workbook is checked, then it passes', () => {
    const bytes = write(book([['S', salesSheet(false)]]), 'xlsx');
    expect(checkZip(bytes).length).toBeGreaterThan(3);
  });

  test('when an entry is damaged, then 422', async () => {
    const bytes = write(book([['S', salesSheet(false)]]), 'xlsx');
    const broken = Uint8Array.from(bytes);
    // Scramble the compressed data of the sheet entry (headers and directory stay intact).
    const entry = listZipEntries(bytes).find((e) => e.name.includes('worksheets/sheet1'));
    if (!entry || entry.method !== 8) throw new Error('expected a deflated sheet entry');
    const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const start = entry.localOffset + 30 + view.readUInt16LE(entry.localOffset + 26) + view.readUInt16LE(entry.localOffset + 28);
    for (let i = start + 2; i < start + entry.compressedSize; i += 2) broken[i] ^= 0x5a;
    const err = await ingestError(broken, opts('broken.xlsx'));
    expect(err.code).toBe('PARSE_ERROR');
  });
});
