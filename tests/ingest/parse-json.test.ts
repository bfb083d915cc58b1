// JSON and NDJSON ingest: shapes, flattening, types, missing values, errors and guards.
import { describe, expect, test } from '@jest/globals';
import { cellValue, type Table } from '../../src/core/column.js';
import { AppError } from '../../src/errors.js';
import { ingestFile } from '../../src/modules/ingest/ingest.js';
import type { IngestOptions } from '../../src/modules/ingest/ingest.types.js';
import { ingestError as failedIngest, LIMITS, rows, utf8 } from './ingest-helpers.js';

const opts = (filename = 'data.json', extra: Partial<IngestOptions> = {}): IngestOptions => ({ filename, header: true, limits: LIMITS, ...extra });
const ingestError = (bytes: Uint8Array, o: IngestOptions = opts()) => failedIngest(bytes, o);



describe('JSON shapes', () => {
  const expected = [{ a: 1, b: 'x' }, { a: 2, b: 'y' }];

  test('when the file is an array of objects, then each object is a row', async () => {
    const r = await ingestFile(utf8('[{"a":1,"b":"x"},{"a":2,"b":"y"}]'), opts());
    expect(r).toMatchObject({ format: 'json', encoding: 'utf-8', delimiter: null, sheets: null });
    expect(rows(r.table)).toEqual(expected);
  });

  test('when the file is {"data": [...]}, then the data array holds the rows', async () => {
    const r = await ingestFile(utf8('{"meta":{"n":2},"data":[{"a":1,"b":"x"},{"a":2,"b":"y"}]}'), opts());
    expect(r.format).toBe('json');
    expect(rows(r.table)).toEqual(expected);
  });

  test('when the file is pretty-printed JSON, then it is JSON, not NDJSON', async () => {
    const r = await ingestFile(utf8(JSON.stringify([{ a: 1, b: 'x' }, { a: 2, b: 'y' }], null, 2)), opts());
    expect(r.format).toBe('json');
    expect(rows(r.table)).toEqual(expected);
  });

  test('when the file is NDJSON (with blank lines and CRLF), then each line is a row', async () => {
    const r = await ingestFile(utf8('{"a":1,"b":"x"}\r\n\r\n{"a":2,"b":"y"}\r\n'), opts('data.ndjson'));
    expect(r.format).toBe('ndjson');
    expect(rows(r.table)).toEqual(expected);
  });

  test('when NDJSON is sent as .jsonl or even .csv, then the content decides', async () => {
    expect((await ingestFile(utf8('{"a":1}\n{"a":2}\n'), opts('x.jsonl'))).format).toBe('ndjson');
    expect((await ingestFile(utf8('{"a":1}\n{"a":2}\n'), opts('x.csv'))).format).toBe('ndjson');
  });

  test('when rows have different keys, then columns appear in first-seen order and gaps are null', async () => {
    const r = await ingestFile(utf8('[{"a":1},{"b":true},{"a":3,"c":"z"}]'), opts());
    expect(r.table.columns.map((c) => c.name)).toEqual(['a', 'b', 'c']);
    expect(rows(r.table)).toEqual([
      { a: 1, b: null, c: null },
      { a: null, b: true, c: null },
      { a: 3, b: null, c: 'z' },
    ]);
  });
});

describe('JSON values', () => {
  test('when objects are nested, then they flatten to a.b columns; arrays stay as JSON text', async () => {
    const r = await ingestFile(utf8('[{"id":1,"user":{"name":"Ann","geo":{"lat":1.5}},"tags":["x","y"],"m":[[1,2],{"k":null}]}]'), opts());
    expect(rows(r.table)).toEqual([{ id: 1, 'user.name': 'Ann', 'user.geo.lat': 1.5, tags: '["x","y"]', m: '[[1,2],{"k":null}]' }]);
    expect(r.columns.find((c) => c.name === 'tags')?.type).toBe('string');
  });

  test('when JSON numbers are whole (even written 2.0), then the column is integer', async () => {
    const r = await ingestFile(utf8('[{"n":1},{"n":2.0},{"n":-3},{"n":null}]'), opts());
    expect(r.columns[0]).toMatchObject({ type: 'integer', nullCount: 1, distinctCount: 3 });
    expect(rows(r.table).map((x) => x.n)).toEqual([1, 2, -3, null]);
  });

  test('when JSON numbers have fractions, then the column is number', async () => {
    const r = await ingestFile(utf8('[{"n":1},{"n":2.5}]'), opts());
    expect(r.columns[0].type).toBe('number');
  });

  test('when JSON has booleans and date strings, then they are boolean and date/datetime', async () => {
    const r = await ingestFile(utf8('[{"b":true,"d":"2024-01-31","t":"2024-01-31T10:00:00Z"},{"b":false,"d":"2024-02-01","t":"2024-02-01"}]'), opts());
    expect(r.columns.map((c) => c.type)).toEqual(['boolean', 'date', 'datetime']);
    expect(rows(r.table)[0]).toEqual({ b: true, d: '2024-01-31', t: '2024-01-31T10:00:00.000Z' });
  });

  test('when a JSON string is "NA" or "", then it is text, not missing (only null is missing)', async () => {
    const r = await ingestFile(utf8('[{"s":"NA"},{"s":""},{"s":null},{"s":"null"}]'), opts());
    expect(rows(r.table).map((x) => x.s)).toEqual(['NA', '', null, 'null']);
    expect(r.columns[0]).toMatchObject({ type: 'string', nullCount: 1 });
  });

  test('when numbers and strings mix in a column, then it is string', async () => {
    const r = await ingestFile(utf8('[{"v":1},{"v":"a"}]'), opts());
    expect(r.columns[0].type).toBe('string');
    expect(rows(r.table).map((x) => x.v)).toEqual(['1', 'a']);
  });

  test('when a key is empty or repeats after trimming, then names follow the header rules', async () => {
    const r = await ingestFile(utf8('[{"":1,"a":2," a":3}]'), opts());
    expect(r.table.columns.map((c) => c.name)).toEqual(['column_1', 'a', 'a_2']);
  });

  test('when the JSON is UTF-16 with a BOM, then it is read', async () => {
    const r = await ingestFile(Uint8Array.from(Buffer.from('\ufeff[{"é":"ü"}]', 'utf16le')), opts());
    expect(r.encoding).toBe('utf-16le');
    expect(rows(r.table)).toEqual([{ é: 'ü' }]);
  });
});

describe('JSON errors and guards', () => {
  test('when the JSON is broken, then 422 says the line and column', async () => {
    const err = await ingestError(utf8('[\n{"a":1},\n{"a":2,}\n]'));
    expect(err.code).toBe('PARSE_ERROR');
    expect(err.details).toMatchObject({ line: 3 });
  });

  test('when an NDJSON line is broken, then 422 says that line and row', async () => {
    const err = await ingestError(utf8('{"a":1}\n\n{"a":2}\n{"a":\n'), opts('x.ndjson'));
    expect(err.code).toBe('PARSE_ERROR');
    expect(err.details).toMatchObject({ line: 4, row: 3 });
  });

  test('when the JSON is cut short, then 422', async () => {
    expect((await ingestError(utf8('[{"a":1},{"a":'))).code).toBe('PARSE_ERROR');
  });

  test('when a row is not an object, then 422 names the row', async () => {
    const err = await ingestError(utf8('[{"a":1},[1,2]]'));
    expect(err.code).toBe('PARSE_ERROR');
    expect(err.details).toMatchObject({ row: 2 });
  });

  test('when the top level is a scalar or an object without data, then 422', async () => {
    expect((await ingestError(utf8('{"rows":[{"a":1}]}'))).code).toBe('PARSE_ERROR');
    expect((await ingestError(utf8('[]'))).code).toBe('PARSE_ERROR');
  });

  test('when objects are nested thousands deep, then 422 (no stack overflow)', async () => {
    const depth = 100_000;
    const text = '[' + '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) + ']';
    const err = await ingestError(utf8(text));
    expect(err.code).toBe('PARSE_ERROR');
    expect(err.details).toMatchObject({ row: 1 });
  });

  test('when an array cell is nested a million deep, then 413 or 422, never a crash', async () => {
    const depth = 1_000_000;
    const text = '[{"a":' + '['.repeat(depth) + ']'.repeat(depth) + '}]';
    const err = await ingestError(utf8(text), opts('x.json', { limits: { ...LIMITS, maxCellBytes: 10_000_000 } }));
    expect(['PARSE_ERROR', 'FILE_TOO_LARGE']).toContain(err.code);
  });

  test('when there are more rows than allowed, then 413 (array and NDJSON)', async () => {
    const small = { ...LIMITS, maxRows: 2 };
    expect((await ingestError(utf8('[{"a":1},{"a":2},{"a":3}]'), opts('x.json', { limits: small }))).code).toBe('FILE_TOO_LARGE');
    expect((await ingestError(utf8('{"a":1}\n{"a":2}\n{"a":3}\n'), opts('x.ndjson', { limits: small }))).code).toBe('FILE_TOO_LARGE');
  });

  test('when flattening makes more columns than allowed, then 413', async () => {
    const obj = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, { x: i, y: i }]));
    const err = await ingestError(utf8(JSON.stringify([obj])), opts('x.json', { limits: { ...LIMITS, maxColumns: 30 } }));
    expect(err.code).toBe('FILE_TOO_LARGE');
  });

  test('when a string or array cell is over the cell limit, then 413', async () => {
    const small = { ...LIMITS, maxCellBytes: 50 };
    expect((await ingestError(utf8(JSON.stringify([{ s: 'x'.repeat(51) }])), opts('x.json', { limits: small }))).code).toBe('FILE_TOO_LARGE');
    expect((await ingestError(utf8(JSON.stringify([{ s: Array(30).fill(1) }])), opts('x.json', { limits: small }))).code).toBe('FILE_TOO_LARGE');
  });
});
