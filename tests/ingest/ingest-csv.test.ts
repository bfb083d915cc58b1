// ingestFile / inspectFile on delimited text: types, missing markers, header names, encodings,
// delimiters, quoting, limits and the errors API.md promises.
import { describe, expect, test } from '@jest/globals';
import { cellValue, type Table } from '../../src/core/column.js';
import { AppError } from '../../src/errors.js';
import { ingestFile, inspectFile } from '../../src/modules/ingest/ingest.js';
import type { IngestOptions, IngestResult } from '../../src/modules/ingest/ingest.types.js';
import { MISSING_MARKERS } from '../../src/modules/ingest/missing-markers.js';
import { RecordingSink, scanDelimitedText } from '../../src/modules/ingest/csv-scanner.js';
import { NUMERIC_PROBE_ROWS, TableBuilder } from '../../src/modules/ingest/table-builder.js';
import { ingestError as failedIngest, LIMITS, rows, utf8 } from './ingest-helpers.js';

const opts = (extra: Partial<IngestOptions> = {}): IngestOptions => ({ filename: 'data.csv', header: true, limits: LIMITS, ...extra });

const ingestError = (bytes: Uint8Array, o: IngestOptions = opts()) => failedIngest(bytes, o);

function column(result: IngestResult, name: string): unknown[] {
  const col = result.table.columns.find((c) => c.name === name);
  if (!col) throw new Error(`no column ${name}`);
  return Array.from({ length: result.table.rowCount }, (_, r) => cellValue(col, r));
}



async function typeOf(values: string[]): Promise<string> {
  // Quoted, so that commas stay in the value; a quoted empty field is still an empty (missing) field.
  const r = await ingestFile(utf8(['v', ...values.map((v) => `"${v}"`)].join('\n') + '\n'), opts());
  return r.columns[0].type;
}

describe('type inference (API.md Datasets)', () => {
  test.each([
    ['booleans in any case', ['true', 'FALSE', 'True'], 'boolean'],
    ['integers with signs and gaps', ['1', '-2', '+3', '', '4'], 'integer'],
    ['integers with surrounding spaces', [' 1', '2 ', ' 3 '], 'integer'],
    ['2^53 is still an integer', ['9007199254740992', '1'], 'integer'],
    ['beyond 2^53 is a number', ['9007199254740993', '1'], 'number'],
    ['decimals', ['1.5', '2', '-0.25'], 'number'],
    ['exponents', ['1e3', '2'], 'number'],
    ['bare fractions', ['.5', '1'], 'number'],
    ['ISO dates', ['2024-01-31', '2023-02-28'], 'date'],
    ['Mon D YYYY and Mon D, YYYY', ['Jan 5 2024', 'Feb 29, 2024'], 'date'],
    ['D Mon YYYY', ['5 Jan 2024', '31 Dec 1999'], 'date'],
    ['M/D/YYYY', ['1/31/2024', '12/1/2023'], 'date'],
    ['ISO datetimes', ['2024-01-31T10:00:00Z', '2024-01-31 10:00'], 'datetime'],
    ['dates mixed with datetimes', ['2024-01-31', '2024-01-31T10:00:00+02:00'], 'datetime'],
    ['leading zeros (identifiers)', ['007', '123'], 'string'],
    ['a leading zero before a decimal point', ['01.5', '2.5'], 'string'],
    ['thousands separators', ['1,000', '2'], 'string'],
    ['text mixed with numbers', ['1', 'two'], 'string'],
    ['numbers mixed with dates', ['1', '2024-01-01'], 'string'],
    ['an impossible date', ['2024-02-30', '2024-01-01'], 'string'],
    ['hex and infinity', ['0x10', 'inf'], 'string'],
    ['yes/no is not boolean', ['yes', 'no'], 'string'],
    ['only missing values', ['', 'NA'], 'string'],
  ])('when a column holds %s, then it is the expected type', async (_label, values, type) => {
    expect(await typeOf(values as string[])).toBe(type);
  });

  test('when values are parsed, then numbers, booleans, dates and datetimes come back typed like API cells', async () => {
    const csv = 'i,n,b,d,t,s\n42,1.25,TRUE,Jan 5 2024,2024-01-31T10:00:00+02:00, x \n-7,1e-3,false,2024-02-29,2024-01-31 23:59:59.1234,007\n';
    const r = await ingestFile(utf8(csv), opts());
    expect(r.columns.map((c) => c.type)).toEqual(['integer', 'number', 'boolean', 'date', 'datetime', 'string']);
    expect(rows(r.table)).toEqual([
      { i: 42, n: 1.25, b: true, d: '2024-01-05', t: '2024-01-31T08:00:00.000Z', s: ' x ' },
      { i: -7, n: 0.001, b: false, d: '2024-02-29', t: '2024-01-31T23:59:59.123Z', s: '007' },
    ]);
  });

  test('when decimals are parsed, then each equals the correctly rounded double (as Number() and pandas give)', async () => {
    const values = ['0.1', '0.3', '123456.789012345', '-98765.4321', '1.7976931348623157e308', '5e-324', '3.141592653589793', '0.000001'];
    const r = await ingestFile(utf8(['v', ...values].join('\n')), opts());
    expect(column(r, 'v')).toEqual(values.map(Number));
  });

  test('when a numeric column meets text after thousands of rows, then it is re-read as string and loses nothing', async () => {
    const values = Array.from({ length: NUMERIC_PROBE_ROWS * 3 }, (_, i) => String(i * 7 + 0.5));
    values.push('n/a here');
    const r = await ingestFile(utf8('v,w\n' + values.map((v, i) => `${v},${i}`).join('\n')), opts());
    expect(r.columns.map((c) => c.type)).toEqual(['string', 'integer']);
    expect(column(r, 'v')).toEqual(values);
    expect(r.columns[0]).toMatchObject({ nullCount: 0, distinctCount: values.length });
  });

  test('when the scanner parses plain numbers in place, then the table equals the one built from the texts', async () => {
    // Past NUMERIC_PROBE_ROWS numeric columns take the scanner's fast path; feeding the same cells as
    // text (RecordingSink → TableBuilder.text) is the reference.
    const forms = ['12', '-3', '+4', '0', '-0', '1.5', '-0.25', '.5', '5.', '1e3', ' 7 ', '123456789012345', '1234567890123456',
      '0.1', '99.99', '"42"', '', 'NA', '3.000'];
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const lines = ['a,b,c'];
    for (let i = 0; i < NUMERIC_PROBE_ROWS * 3; i++) {
      lines.push(`${forms[Math.floor(rand() * forms.length)]},${(rand() * 1e6).toFixed(Math.floor(rand() * 4))},${i % 5000 === 4999 ? '007' : i}`);
    }
    const csv = lines.join('\n');
    const fast = await ingestFile(utf8(csv), opts());

    const recorded = new RecordingSink();
    scanDelimitedText(csv, { delimiter: ',', header: false, limits: LIMITS, makeSink: () => recorded });
    let builder = new TableBuilder(LIMITS, { rawNames: recorded.rows[0] });
    const feed = (b: TableBuilder) => {
      for (const row of recorded.rows.slice(1)) {
        row.forEach((v, i) => b.text(i, v));
        b.endRow();
      }
    };
    feed(builder);
    const restart = builder.restartColumns();
    if (restart.length) {
      builder = new TableBuilder(LIMITS, { rawNames: recorded.rows[0], forceString: new Set(restart) });
      feed(builder);
    }
    const reference = builder.finish();
    expect(fast.columns.map((c) => c.type)).toEqual(['number', 'number', 'string']);
    expect(fast.table).toEqual(reference.table);
    expect(fast.columns).toEqual(reference.columns);
  });

  test('when a column has repeated and missing values, then nullCount and distinctCount say so', async () => {
    const r = await ingestFile(utf8('a,b\n1,x\n1,\n2,x\n,y\n1.0,y\n'), opts());
    expect(r.columns).toEqual([
      { name: 'a', type: 'number', nullCount: 1, distinctCount: 2 },
      { name: 'b', type: 'string', nullCount: 1, distinctCount: 2 },
    ]);
  });
});

describe('missing markers', () => {
  test.each(MISSING_MARKERS.map((m) => [JSON.stringify(m), m]))('when a cell is %s, then it is missing and the column stays integer', async (_l, marker) => {
    const r = await ingestFile(utf8(`v,w\n1,a\n"${marker}",b\n3,c\n`), opts());
    expect(r.columns[0]).toMatchObject({ type: 'integer', nullCount: 1 });
    expect(column(r, 'v')).toEqual([1, null, 3]);
  });

  test('when a marker has spaces around it, then it is still missing; other spellings are text', async () => {
    const r = await ingestFile(utf8('v,w\n  NA ,1\nna,2\nNone,3\n'), opts());
    expect(column(r, 'v')).toEqual([null, 'na', null]);
  });

  test('when a text column has markers, then they are missing there too', async () => {
    const r = await ingestFile(utf8('v\nx\nNULL\n#N/A\ny\n'), opts());
    expect(column(r, 'v')).toEqual(['x', null, null, 'y']);
    expect(r.columns[0]).toMatchObject({ type: 'string', nullCount: 2, distinctCount: 2 });
  });
});

describe('header names', () => {
  test('when header names are empty or repeated, then they become column_N and name_2, name_3', async () => {
    const r = await ingestFile(utf8('a, ,a,b,a,\n1,2,3,4,5,6\n'), opts());
    expect(r.table.columns.map((c) => c.name)).toEqual(['a', 'column_2', 'a_2', 'b', 'a_3', 'column_6']);
  });

  test('when a generated suffix is taken by a later header, then the next free one is used', async () => {
    const r = await ingestFile(utf8('a,a,a_2\n1,2,3\n'), opts());
    expect(r.table.columns.map((c) => c.name)).toEqual(['a', 'a_3', 'a_2']);
  });

  test('when header=false, then the columns are column_1..N and the first line is data', async () => {
    const r = await ingestFile(utf8('x,1\ny,2\n'), opts({ header: false }));
    expect(r.table.columns.map((c) => c.name)).toEqual(['column_1', 'column_2']);
    expect(rows(r.table)).toEqual([{ column_1: 'x', column_2: 1 }, { column_1: 'y', column_2: 2 }]);
  });

  test('when a file is only a header, then it has its columns and rowCount 0', async () => {
    const r = await ingestFile(utf8('a,b,c\n'), opts());
    expect(r.table.rowCount).toBe(0);
    expect(r.columns.map((c) => [c.name, c.nullCount])).toEqual([['a', 0], ['b', 0], ['c', 0]]);
  });

  test('when a row is shorter than the header, then its missing fields are null', async () => {
    const r = await ingestFile(utf8('a,b,c\n1,2\n3\n'), opts());
    expect(rows(r.table)).toEqual([{ a: 1, b: 2, c: null }, { a: 3, b: null, c: null }]);
  });
});

describe('encodings', () => {
  test('when a file is UTF-16LE with a BOM, then it is read as utf-16le', async () => {
    const r = await ingestFile(Uint8Array.from(Buffer.from('\ufeffnom;ville\nRené;Montréal\n', 'utf16le')), opts());
    expect(r.encoding).toBe('utf-16le');
    expect(rows(r.table)).toEqual([{ nom: 'René', ville: 'Montréal' }]);
  });

  test('when a file is UTF-16BE with a BOM, then it is read as utf-16be', async () => {
    const r = await ingestFile(Uint8Array.from(Buffer.from('\ufeffa,b\n1,é\n', 'utf16le').swap16()), opts());
    expect(r.encoding).toBe('utf-16be');
    expect(rows(r.table)).toEqual([{ a: 1, b: 'é' }]);
  });

  test('when a file is Latin-1, then its accents decode', async () => {
    const r = await ingestFile(Uint8Array.from(Buffer.from('name,city\nRené,Montréal\nZoë,Köln\n', 'latin1')), opts());
    expect(r.encoding).toBe('latin1');
    expect(column(r, 'city')).toEqual(['Montréal', 'Köln']);
  });

  test('when a UTF-8 file starts with a BOM, then the first header has no BOM', async () => {
    const r = await ingestFile(utf8('\ufeffid,v\n1,2\n'), opts());
    expect(r.table.columns[0].name).toBe('id');
  });

  test('when the user names the encoding, then it is used', async () => {
    const r = await ingestFile(Uint8Array.from(Buffer.from('v\n€5\n', 'utf8')), opts({ encoding: 'latin1' }));
    expect(r.encoding).toBe('latin1');
    expect(column(r, 'v')).toEqual(['â‚¬5']);
  });
});

describe('delimiters', () => {
  test.each([
    [';', 'a;b;c\n1,5;2;x\n3,5;4;y\n', 'csv'],
    ['|', 'a|b|c\n1|2|x\n3|4|y\n', 'csv'],
    ['\t', 'a\tb\tc\n1, 2\t2\tx\n3\t4\ty\n', 'tsv'],
    [',', 'a,b,c\n1,2,x\n3,4,y\n', 'csv'],
  ])('when the delimiter is %j, then it is sniffed and the format follows', async (delim, csv, format) => {
    const r = await ingestFile(utf8(csv), opts());
    expect(r.delimiter).toBe(delim);
    expect(r.format).toBe(format);
    expect(r.table.columns.map((c) => c.name)).toEqual(['a', 'b', 'c']);
  });

  test('when the delimiter is given as the word tab, then tabs split the fields', async () => {
    const r = await ingestFile(utf8('a\tb\n1\t2\n'), opts({ delimiter: 'tab' }));
    expect(r).toMatchObject({ delimiter: '\t', format: 'tsv' });
    expect(rows(r.table)).toEqual([{ a: 1, b: 2 }]);
  });

  test('when the delimiter is given, then it wins over the sniffer', async () => {
    const r = await ingestFile(utf8('a;b,c\n1;2,3\n'), opts({ delimiter: ',' }));
    expect(r.table.columns.map((c) => c.name)).toEqual(['a;b', 'c']);
  });

  test('when a one-column file has commas only inside quotes, then it is one column', async () => {
    const r = await ingestFile(utf8('name\n"Smith, J"\n"Doe, A"\n'), opts());
    expect(rows(r.table)).toEqual([{ name: 'Smith, J' }, { name: 'Doe, A' }]);
  });

  test('when the delimiter is not a supported one, then 400 names delimiter', async () => {
    const err = await ingestError(utf8('a,b\n1,2\n'), opts({ delimiter: '::' }));
    expect(err.code).toBe('VALIDATION_ERROR');
    expect(err.details).toEqual({ fields: [expect.objectContaining({ path: 'delimiter' })] });
  });
});

describe('quoting', () => {
  test('when fields are quoted with delimiters, quotes and line ends inside, then they come back whole', async () => {
    const csv = 'id,text\r\n1,"a, b"\r\n2,"say ""hi"""\r\n3,"line1\r\nline2\nline3"\r\n4,plain\r\n';
    const r = await ingestFile(utf8(csv), opts());
    expect(column(r, 'text')).toEqual(['a, b', 'say "hi"', 'line1\r\nline2\nline3', 'plain']);
  });

  test('when a quote is never closed, then 422 says the line where the field starts', async () => {
    const err = await ingestError(utf8('a,b\n1,2\n3,"oops\n4,5\n'));
    expect(err.code).toBe('PARSE_ERROR');
    expect(err.details).toMatchObject({ line: 3, row: 2, column: 'b' });
    expect(err.message).toMatch(/line 3/i);
  });

  test('when a row has more fields than the header, then 422 says the line', async () => {
    const err = await ingestError(utf8('a,b\n1,2\n3,4,5\n'));
    expect(err.code).toBe('PARSE_ERROR');
    expect(err.details).toMatchObject({ line: 3, row: 2 });
  });

  test('when a quoted field spans lines before an error, then the line number counts them', async () => {
    const err = await ingestError(utf8('a,b\n1,"x\ny\nz"\n2,3,4\n'));
    expect(err.details).toMatchObject({ line: 5 });
  });
});

describe('format and file errors', () => {
  test('when the file is empty, then 422', async () => {
    expect((await ingestError(new Uint8Array(0))).code).toBe('PARSE_ERROR');
    expect((await ingestError(utf8(' \n\r\n'))).code).toBe('PARSE_ERROR');
  });

  test('when the content is a PNG named .csv, then 415', async () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, ...new Array(64).fill(7)]);
    expect((await ingestError(png)).code).toBe('UNSUPPORTED_FILE_TYPE');
  });

  test('when the content is unknown binary, then 415', async () => {
    const junk = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256);
    expect((await ingestError(junk)).code).toBe('UNSUPPORTED_FILE_TYPE');
  });

  test('when a gzip file is sent, then 415', async () => {
    const { gzipSync } = await import('node:zlib');
    expect((await ingestError(Uint8Array.from(gzipSync(Buffer.from('a,b\n1,2\n'))))).code).toBe('UNSUPPORTED_FILE_TYPE');
  });

  test('when JSON is sent as .csv, then it is read as JSON', async () => {
    const r = await ingestFile(utf8('[{"a":1}]'), opts({ filename: 'x.csv' }));
    expect(r.format).toBe('json');
  });
});

describe('limits (413 while parsing)', () => {
  test('when there are more rows than allowed, then 413', async () => {
    const err = await ingestError(utf8('a\n1\n2\n3\n'), opts({ limits: { ...LIMITS, maxRows: 2 } }));
    expect(err.code).toBe('FILE_TOO_LARGE');
  });

  test('when the rows are exactly the limit, then it passes', async () => {
    const r = await ingestFile(utf8('a\n1\n2\n'), opts({ limits: { ...LIMITS, maxRows: 2 } }));
    expect(r.table.rowCount).toBe(2);
  });

  test('when there are more columns than allowed, then 413', async () => {
    const err = await ingestError(utf8('a,b,c\n1,2,3\n'), opts({ limits: { ...LIMITS, maxColumns: 2 } }));
    expect(err.code).toBe('FILE_TOO_LARGE');
  });

  test('when a header-less file has more columns than allowed, then 413', async () => {
    const err = await ingestError(utf8('1,2,3\n'), opts({ header: false, limits: { ...LIMITS, maxColumns: 2 } }));
    expect(err.code).toBe('FILE_TOO_LARGE');
  });

  test('when a cell is larger than allowed (in UTF-8 bytes), then 413 naming the column', async () => {
    const err = await ingestError(utf8(`a,b\n1,"${'é'.repeat(60)}"\n`), opts({ limits: { ...LIMITS, maxCellBytes: 100 } }));
    expect(err.code).toBe('FILE_TOO_LARGE');
    expect(err.details).toMatchObject({ column: 'b' });
    const ok = await ingestFile(utf8(`a,b\n1,"${'é'.repeat(50)}"\n`), opts({ limits: { ...LIMITS, maxCellBytes: 100 } }));
    expect(ok.table.rowCount).toBe(1);
  });
});

describe('inspectFile', () => {
  test('when a file is inspected, then it shows format, delimiter, types with up to 5 samples and the first 20 rows', async () => {
    const lines = ['n,c,d'];
    for (let i = 0; i < 30; i++) lines.push(`${i % 7},${i % 2 ? 'x' : ''},2024-01-${String((i % 28) + 1).padStart(2, '0')}`);
    const r = await inspectFile(utf8(lines.join('\n')), opts());
    expect(r).toMatchObject({ format: 'csv', encoding: 'utf-8', delimiter: ',', sheets: null });
    expect(r.columns).toEqual([
      { name: 'n', type: 'integer', sample: [0, 1, 2, 3, 4] },
      { name: 'c', type: 'string', sample: ['x'] },
      { name: 'd', type: 'date', sample: ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05'] },
    ]);
    expect(r.previewRows).toHaveLength(20);
    expect(r.previewRows[1]).toEqual({ n: 1, c: 'x', d: '2024-01-02' });
    expect(r.previewRows[0]).toEqual({ n: 0, c: null, d: '2024-01-01' });
  });

  test('when a column is called __proto__, then the preview row still has it as a key', async () => {
    const r = await inspectFile(utf8('__proto__,b\n1,2\n'), opts());
    expect(Object.keys(r.previewRows[0])).toEqual(['__proto__', 'b']);
    expect(r.previewRows[0]['__proto__']).toBe(1);
  });
});
