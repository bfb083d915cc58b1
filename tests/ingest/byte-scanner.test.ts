// The byte scanner (csv-bytes.ts, the fast path) against the text path (csv-scanner.ts → TableBuilder,
// itself checked against papaparse in scanner-differential.test.ts): same table and column metadata,
// cell for cell and bit for bit, on generated files full of the forms inference cares about (numbers
// short and long, leading zeros, decimal commas, dates valid and not, datetimes, booleans, markers with
// spaces around them, Unicode spaces, quotes), and the same errors. The fast path must really be
// taken: byteScanStats counts files, fallbacks and cells that went through a decoded string.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { AppError } from '../../src/errors.js';
import { ByteScanUnsure, byteScanStats, GrowingScan, resetByteScanStats, scanDelimitedBytes } from '../../src/modules/ingest/csv-bytes.js';
import { decodeText } from '../../src/modules/ingest/decode-text.js';
import { ingestFile } from '../../src/modules/ingest/ingest.js';
import type { IngestLimits, IngestOptions } from '../../src/modules/ingest/ingest.types.js';
import { MISSING_MARKERS } from '../../src/modules/ingest/missing-markers.js';
import { parseDelimitedText } from '../../src/modules/ingest/parse-delimited.js';

const LIMITS: IngestLimits = { maxRows: 1_000_000, maxColumns: 1000, maxCellBytes: 1 << 20 };
const utf8 = (s: string) => new TextEncoder().encode(s);

interface Dialect {
  delimiter: string;
  header: boolean;
  limits?: IngestLimits;
  capacity?: number;
}

/** Both paths on the same text; the fast one with a tiny capacity, so its arrays grow. */
function bothPaths(text: string, d: Dialect) {
  const limits = d.limits ?? LIMITS;
  const decimalComma = d.delimiter === ';';
  const opts: IngestOptions = { filename: 'x.csv', header: d.header, limits };
  const reference = parseDelimitedText(text, d.delimiter, opts, 16, decimalComma);
  const fast = scanDelimitedBytes({ bytes: utf8(text), start: 0, delimiter: d.delimiter, header: d.header, limits, decimalComma,
    capacity: d.capacity ?? 1 });
  return { fast, reference };
}

function expectSame(text: string, d: Dialect): void {
  const { fast, reference } = bothPaths(text, d);
  expect(fast.columns).toEqual(reference.columns);
  expect(fast.table.rowCount).toBe(reference.table.rowCount);
  fast.table.columns.forEach((col, i) => {
    const ref = reference.table.columns[i];
    expect(col.type).toBe(ref.type);
    if (col.type === 'string' && ref.type === 'string') {
      expect(col.dict).toEqual(ref.dict);
      if (!sameBytes(col.codes, ref.codes)) expect(Array.from(col.codes)).toEqual(Array.from(ref.codes));
    } else if (col.type !== 'string' && ref.type !== 'string') {
      // Bit for bit (NaN where missing; -0 kept where the text path keeps it).
      if (!sameBytes(col.values, ref.values)) expect(Array.from(col.values)).toEqual(Array.from(ref.values));
    }
  });
}

function sameBytes(a: Float64Array | Int32Array, b: Float64Array | Int32Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

// ---- generated files ----

const FORMS: Record<string, fc.Arbitrary<string>> = {
  integer: fc.integer({ min: -2e9, max: 2e9 }).map(String),
  decimal: fc.tuple(fc.double({ min: -1e7, max: 1e7, noNaN: true }), fc.integer({ min: 0, max: 8 })).map(([x, k]) => x.toFixed(k)),
  decimalComma: fc.tuple(fc.double({ min: -1e5, max: 1e5, noNaN: true }), fc.integer({ min: 1, max: 6 }))
    .map(([x, k]) => x.toFixed(k).replace('.', ',')),
  oddNumber: fc.constantFrom('1e3', '-2.5E-3', '.5', '5.', '+3', '-0', '-0.0', '0.0', '0', '00', '007', '01.5', '9007199254740992',
    '9007199254740993', '-9007199254740993', '123456789012345', '1234567890123456', '0.1234567890123456789', '1,5', '-0,25', '01,5',
    ',5', '5,', '1.234,5', '1 234,5', '0x10', 'inf', '-', '+', '.', '1e999', '3.000', '+.5', '-.5', '1.5.3', '١٢'),
  date: fc.date({ min: new Date('1900-01-01'), max: new Date('2100-12-31'), noInvalidDate: true }).map((x) => x.toISOString().slice(0, 10)),
  oddDate: fc.constantFrom('2024-02-30', '2023-02-29', '2024-02-29', '0000-01-01', '9999-12-31', '2024-1-31', '2024-13-01',
    'Jan 5 2024', '5 Jan 2024', '1/31/2024', 'Sept 3, 2021', '2024-01-31T10:00:00Z', '2024-01-31 10:00', '2024-01-31T10:00:00+02:00',
    '2024-01-31T25:00', '2024/01/31'),
  datetime: fc.tuple(fc.date({ min: new Date('1900-01-01'), max: new Date('2100-12-31'), noInvalidDate: true }),
    fc.constantFrom('T', ' '), fc.constantFrom('', '.5', '.12', '.123', '.1234567', '.'), fc.constantFrom('', 'Z', 'z', '+02:00', '-0530', '+01', ' Z',
      '+24:00', '+02:60', '+2', '+02:', 'GMT'), fc.constantFrom(':ss', '', ':61'))
    .map(([d, t, frac, zone, sec]) => {
      const iso = d.toISOString();
      const seconds = sec === ':ss' ? iso.slice(16, 19) : sec === ':61' ? ':61' : '';
      return `${iso.slice(0, 10)}${t}${iso.slice(11, 16)}${seconds}${seconds ? frac : ''}${zone}`;
    }),
  boolean: fc.constantFrom('true', 'false', 'TRUE', 'False', 'tRuE', 'fAlSe'),
  oddBoolean: fc.constantFrom('yes', 'no', 't', 'f', 'truE ', ' false', 'truth'),
  missing: fc.constantFrom(...MISSING_MARKERS, ' NA ', '\u00a0NA', 'NA\u00a0', '  ', '\t', 'na', 'N/A ', ' ', '\u3000', '\ufeff',
    '\u2000NA', '\u2028', '\u205fnull', '\u1680#N/A', '\u202fNone\u2029'),
  spaced: fc.constantFrom(' 1', '2 ', '\u00a03', '4\u3000', '\ufeff5', ' true', ' 2024-01-01 ', '\u20286', ' 1,5', '7\u00a0'),
  text: fc.constantFrom('x', 'North', 'Nord', 'Nan', 'NaNa', 'nullable', 'é', '€', '日本', '😀', 'region_04', 'SKU-0683', '#N/A?', '<NA>x',
    '1.#INDx', 'a"b', 'Zoë', 'ça'),
  special: fc.constantFrom('a,b', 'a;b', 'a\tb', 'a|b', 'line\nbreak', 'cr\rhere', 'crlf\r\nx', '"quoted"', '""', 'say "hi"', '"', ' "x"'),
};
const FORM_NAMES = Object.keys(FORMS);

const columnArb = fc.record({
  main: fc.constantFrom(...FORM_NAMES),
  other: fc.constantFrom(...FORM_NAMES),
  /** How often (in 100) a cell takes the other form. */
  mix: fc.constantFrom(0, 0, 2, 10, 50),
});

interface GeneratedFile {
  text: string;
  delimiter: string;
  header: boolean;
}

const fileArb: fc.Arbitrary<GeneratedFile> = fc
  .record({
    delimiter: fc.constantFrom(',', ';', '\t', '|'),
    newline: fc.constantFrom('\n', '\r\n', '\r'),
    header: fc.boolean(),
    trailingNewline: fc.boolean(),
    columns: fc.array(columnArb, { minLength: 1, maxLength: 5 }),
    rows: fc.integer({ min: 1, max: 60 }),
  })
  .chain((spec) =>
    fc.tuple(
      fc.constant(spec),
      fc.tuple(...spec.columns.map((c) =>
        fc.array(fc.tuple(fc.integer({ min: 0, max: 99 }), FORMS[c.main], FORMS[c.other], fc.integer({ min: 0, max: 9 })),
          { minLength: spec.rows, maxLength: spec.rows }))),
      fc.array(fc.integer({ min: 0, max: 19 }), { minLength: spec.rows, maxLength: spec.rows }),
    ))
  .map(([spec, columns, raggedness]) => {
    const lines: string[] = [];
    if (spec.header) lines.push(spec.columns.map((c, i) => `${c.main}_${i}`).join(spec.delimiter));
    for (let r = 0; r < spec.rows; r++) {
      // Now and then a short row (never the first data row of a header-less file: it sets the width).
      const width = raggedness[r] === 0 && (spec.header || r > 0) ? Math.max(1, spec.columns.length - 1) : spec.columns.length;
      const cells: string[] = [];
      for (let c = 0; c < width; c++) {
        const [roll, main, other, quoteRoll] = columns[c][r];
        const value = roll < spec.columns[c].mix ? other : main;
        const mustQuote = value.includes(spec.delimiter) || /[\r\n]/.test(value) || value.startsWith('"');
        cells.push(mustQuote || quoteRoll === 0 ? `"${value.replace(/"/g, '""')}"` : value);
      }
      lines.push(cells.join(spec.delimiter));
    }
    const text = lines.join(spec.newline) + (spec.trailingNewline ? spec.newline : '');
    return { text, delimiter: spec.delimiter, header: spec.header };
  });

describe('byte scanner vs text path on generated files', () => {
  test('when 1500 generated files are read both ways, then tables and column metadata are identical', () => {
    fc.assert(
      fc.property(fileArb, (g) => {
        expectSame(g.text, { delimiter: g.delimiter, header: g.header });
      }),
      { numRuns: 1500, seed: 20261129 },
    );
  });

  test('when a file is read while it arrives, cut at random line ends, then the table is the whole-file one (errors too)', () => {
    // Each part comes either with all the file before it (an upload in memory) or as a window from
    // where the scan stands (a spooled upload): then a column that turns to text reads its earlier
    // cells back through `history`.
    let historyReads = 0;
    const outcome = (f: () => unknown) => {
      try {
        return { ok: f() };
      } catch (err) {
        return { err: err instanceof ByteScanUnsure ? `unsure ${err.reason}` : String(err) };
      }
    };
    fc.assert(
      fc.property(fileArb, fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(), (g, picks, windows) => {
        const bytes = utf8(g.text);
        const input = { start: 0, delimiter: g.delimiter, header: g.header, limits: LIMITS, decimalComma: g.delimiter === ';', capacity: 1 };
        const whole = outcome(() => scanDelimitedBytes({ bytes, ...input }));
        const lineEnds: number[] = [];
        bytes.forEach((b, i) => b === 10 && lineEnds.push(i + 1));
        const cuts = [...new Set(picks.map((p) => lineEnds[p % Math.max(1, lineEnds.length)]).filter((c) => c !== undefined))].sort((a, b) => a - b);
        const grown = outcome(() => {
          const scan = new GrowingScan(input, bytes.length, (from, to) => {
            historyReads++;
            return bytes.slice(from, to);
          });
          const part = (end: number, final: boolean) => {
            const base = windows ? scan.position : 0;
            scan.advance(bytes.slice(base, end), base, final);
          };
          for (const cut of cuts) part(cut, false);
          part(bytes.length, true);
          return scan.finish();
        });
        expect(grown).toEqual(whole);
      }),
      { numRuns: 1500, seed: 20261203 },
    );
    // Some columns turned to text after their window had moved on.
    expect(historyReads).toBeGreaterThan(10);
  });

  test('when columns turn to text after thousands of rows, then the earlier cells are read again exactly', () => {
    const lines = ['a,b,c,d'];
    for (let i = 0; i < 5000; i++) {
      const a = i % 97 === 0 ? 'NA' : i % 89 === 0 ? `"${i}"` : String(i * 3);
      const b = i % 7 === 0 ? '' : `${(i * 0.37).toFixed(2)}`;
      const c = i % 3 === 0 ? '"x ""q"" y"' : 'true';
      lines.push(`${a},${b},${c},${i % 11 === 0 ? ' NULL ' : '2024-03-01'}`);
    }
    lines.push('text,also text,false,1');
    resetByteScanStats();
    expectSame(lines.join('\n'), { delimiter: ',', header: true });
    expect(byteScanStats.rescans).toBe(3); // a, b and d had values before; c was already text
  });

  test('when numbers are written differently but are the same value, then distinct counts agree (bitmap and hash counts)', () => {
    const forms = ['0.1', '0.10', '1e-1', '-0.0', '0', '0.30000000000000004', '0.3', '0.2', '.2', '2e-1', '1.5', '1.50', '-1.5', '12345.678',
      '9007199254740991', '1e300', '0.000001', '1e-6'];
    const rows = ['a,b,c,d'];
    for (let i = 0; i < 3000; i++) {
      const f = forms[(i * 7) % forms.length];
      rows.push(`${f},${forms[i % 6]},${(i % 50) / 4},${2020 + (i % 3)}-0${1 + (i % 9)}-1${i % 10}`);
    }
    expectSame(rows.join('\n'), { delimiter: ',', header: true });
    const { fast } = bothPaths(rows.join('\n'), { delimiter: ',', header: true });
    expect(fast.columns.map((c) => [c.type, c.distinctCount])).toEqual([['number', 11], ['number', 3], ['number', 50], ['date', 90]]);
  });

  test('when values spread far on both sides of the first one, then the growing bitmap counts as the hash does', () => {
    // Integers and 2-decimal numbers that first climb, then fall far below the start (the bitmap
    // grows up, then down), one column past the bitmap's range (counted by hash), and dates; then
    // all of them again.
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -3_000_000, max: 3_000_000 }), { minLength: 1, maxLength: 400 }), fc.nat(1000), (ints, seed) => {
        const rows = ['i,d,wide,day'];
        ints.forEach((x, k) => {
          const day = new Date(Date.UTC(2000, 0, 1) + ((x + seed) % 5000) * 86_400_000).toISOString().slice(0, 10);
          rows.push(`${x},${(x / 100).toFixed(2)},${x * 1000 + k},${day}`);
        });
        rows.push(...ints.slice(0, 50).map((x) => `${-x * 3},${(-x / 7).toFixed(2)},,`));
        // Every value once more, after all the growing: each must be found where it was put.
        rows.push(...rows.slice(1));
        expectSame(rows.join('\n'), { delimiter: ',', header: true });
      }),
      { numRuns: 60 },
    );
  });

  test('when a header-less file starts with the cells that set the types, then both paths agree', () => {
    expectSame('1,x,2024-01-01\n2,"y",2024-01-02\n3.5,z,\n', { delimiter: ',', header: false });
    expectSame('"007",true\n8,false\n', { delimiter: ',', header: false });
  });
});

describe('decimal commas (semicolon files)', () => {
  const ingest = (csv: string) => ingestFile(utf8(csv), { filename: 'x.csv', header: true, limits: LIMITS });

  test('when a semicolon file writes decimals with a comma, then the column is number', async () => {
    const r = await ingest('a;b\n1,5;x\n-0,25;y\n3;z\n;w\n');
    expect(r.delimiter).toBe(';');
    expect(r.columns[0]).toEqual({ name: 'a', type: 'number', nullCount: 1, distinctCount: 3 });
    expect(Array.from((r.table.columns[0] as { values: Float64Array }).values)).toEqual([1.5, -0.25, 3, NaN]);
  });

  test.each([
    ['thousands dots', ['1.234,5', '2,5']],
    ['a leading zero', ['01,5', '2,5']],
    ['dot and comma decimals mixed', ['1,5', '2.5']],
    ['a comma with no digits after', ['5,', '2,5']],
    ['a comma with no digits before', [',5', '2,5']],
    ['an exponent', ['1,5e3', '2,5']],
  ])('when a semicolon column has %s, then it stays string', async (_label, values) => {
    const r = await ingest(`a;b\n${values.map((v) => `${v};x`).join('\n')}\n`);
    expect(r.columns[0].type).toBe('string');
  });

  test('when the same cells are comma-delimited (quoted), then they stay string', async () => {
    const r = await ingest('a,b\n"1,5",x\n"-0,25",y\n');
    expect(r.columns[0].type).toBe('string');
  });

  test('when a decimal-comma value is long, then it is the correctly rounded double', async () => {
    const r = await ingest('a;b\n0,1234567890123456789;x\n123456789012,345678;y\n');
    expect(Array.from((r.table.columns[0] as { values: Float64Array }).values)).toEqual([0.1234567890123456789, 123456789012.345678]);
  });

  test('when a semicolon file is Latin-1, then decimal commas are numbers there too', async () => {
    const r = await ingestFile(Uint8Array.from(Buffer.from('prix;ville\n1,5;Montréal\n2,25;Köln\n', 'latin1')),
      { filename: 'x.csv', header: true, limits: LIMITS });
    expect(r.encoding).toBe('latin1');
    expect(r.columns.map((c) => c.type)).toEqual(['number', 'string']);
  });
});

describe('errors: the same as the text path', () => {
  async function errorOf(bytes: Uint8Array, limits: IngestLimits = LIMITS, header = true): Promise<AppError> {
    try {
      await ingestFile(bytes, { filename: 'x.csv', header, limits });
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      return err as AppError;
    }
    throw new Error('expected an error');
  }
  function textError(text: string, limits: IngestLimits = LIMITS, header = true): AppError {
    try {
      parseDelimitedText(text, ',', { filename: 'x.csv', header, limits }, 16, false);
    } catch (err) {
      return err as AppError;
    }
    throw new Error('expected an error');
  }

  test.each([
    ['an unclosed quote', 'a,b\n1,2\n3,"oops é\n4,5\n', LIMITS, true],
    ['a row too long', 'a,b\n1,2\n3,4,5\n', LIMITS, true],
    ['a row too long after a quoted line end', 'a,b\n1,"x\ny"\n3,4,5\n', LIMITS, true],
    ['too many rows', 'a\n1\n2\n3\n', { ...LIMITS, maxRows: 2 }, true],
    ['too many rows without a header', '1\n2\n3\n', { ...LIMITS, maxRows: 2 }, false],
    ['too many columns', 'a,b,c\n1,2,3\n', { ...LIMITS, maxColumns: 2 }, true],
    ['a cell too large', `a,b\n1,"${'é'.repeat(60)}"\n`, { ...LIMITS, maxCellBytes: 100 }, true],
    ['an unquoted cell too large', `a,b\n1,${'x'.repeat(101)}\n`, { ...LIMITS, maxCellBytes: 100 }, true],
    ['a header cell too large', `${'x'.repeat(101)},b\n1,2\n`, { ...LIMITS, maxCellBytes: 100 }, true],
  ])('when a file has %s, then the error is the text path one', async (_label, csv, limits, header) => {
    const err = await errorOf(utf8(csv), limits as IngestLimits, header as boolean);
    const ref = textError(csv, limits as IngestLimits, header as boolean);
    expect({ code: err.code, message: err.message, details: err.details }).toEqual({ code: ref.code, message: ref.message, details: ref.details });
  });

  test('when a big cell is within the limit only once its "" pairs are counted, then it is read (through the text path)', async () => {
    const value = 'a""'.repeat(30); // 90 bytes written, 60 read
    const r = await ingestFile(utf8(`a,b\n1,"${value}"\n`), { filename: 'x.csv', header: true, limits: { ...LIMITS, maxCellBytes: 70 } });
    expect((r.table.columns[1] as { dict: string[] }).dict).toEqual(['a"'.repeat(30)]);
  });
});

describe('the fast path is taken', () => {
  function benchLike(rows: number): string {
    const lines = ['price,revenue,score,ratio,qty,customer_id,region,sku,order_date,active'];
    for (let i = 0; i < rows; i++) {
      const miss = (s: string) => (i % 19 === 3 ? '' : s);
      lines.push([miss((20 + (i % 37) * 0.25).toFixed(2)), miss((i * 13.3721).toFixed(4)), miss((50 - (i % 101) * 0.173).toFixed(3)),
        miss(((i * 7919) % 1e6 / 1e6).toFixed(6)), String(1 + (i % 100)), String(1 + ((i * 31) % 200000)), `region_${String(1 + (i % 20)).padStart(2, '0')}`,
        `SKU-${String(1 + ((i * 7) % 1000)).padStart(4, '0')}`, `202${i % 4}-0${1 + (i % 9)}-1${i % 10}`, i % 3 ? 'true' : 'false'].join(','));
    }
    return lines.join('\n') + '\n';
  }

  test('when a plain UTF-8 file is ingested, then the byte scanner reads it, no cell goes through a string but the first of each text column', async () => {
    resetByteScanStats();
    const csv = benchLike(20000);
    const r = await ingestFile(utf8(csv), { filename: 'x.csv', header: true, limits: LIMITS });
    expect(byteScanStats).toMatchObject({ scans: 1, fallbacks: 0, rescans: 0 });
    expect(byteScanStats.slowCells).toBeLessThanOrEqual(2);
    expect(r.columns.map((c) => c.type)).toEqual(['number', 'number', 'number', 'number', 'integer', 'integer', 'string', 'string', 'date', 'boolean']);
    expectSame(csv, { delimiter: ',', header: true });
  });

  test('when a column holds ISO datetimes in the common forms, then they are read from the bytes, not through strings', () => {
    const forms = ['2024-01-31T10:00:00Z', '2024-01-31 10:00:00', '2024-01-31T10:00:00.5Z', '2024-01-31T10:00:00.123456+02:00',
      '2024-02-29T23:59:59-0530', '1999-12-31T00:00:00+01'];
    const csv = `t,n\n${Array.from({ length: 3000 }, (_, i) => `${forms[i % forms.length]},${i}`).join('\n')}\n`;
    resetByteScanStats();
    expectSame(csv, { delimiter: ',', header: true });
    expect(byteScanStats.slowCells).toBe(0);
    const { fast } = bothPaths(csv, { delimiter: ',', header: true });
    expect(fast.columns[0]).toMatchObject({ type: 'datetime', distinctCount: 5 }); // the first two are one instant
  });

  test('when a file is Latin-1, UTF-16 or has a BOM, then it is re-encoded or skipped and still read by the byte scanner', async () => {
    const csv = 'name;city;n\nRené;Montréal;1,5\nZoë;Köln;2\n';
    for (const bytes of [Buffer.from(csv, 'latin1'), Buffer.from(`\ufeff${csv}`, 'utf16le'), Buffer.from(`\ufeff\ufeff${csv}`, 'utf8')]) {
      resetByteScanStats();
      const r = await ingestFile(Uint8Array.from(bytes), { filename: 'x.csv', header: true, limits: LIMITS });
      expect(byteScanStats).toMatchObject({ scans: 1, fallbacks: 0 });
      expect(r.table.columns.map((c) => c.name)).toEqual(['name', 'city', 'n']);
      expect(r.columns.map((c) => c.type)).toEqual(['string', 'string', 'number']);
    }
  });

  test('when a file has an error, then it falls back to the text path once (counted)', async () => {
    resetByteScanStats();
    await expect(ingestFile(utf8('a,b\n1,2,3\n'), { filename: 'x.csv', header: true, limits: LIMITS })).rejects.toThrow(AppError);
    expect(byteScanStats).toMatchObject({ scans: 0, fallbacks: 1, lastFallback: 'row too long' });
  });

  test('when the file is decoded both ways, then the byte scanner matches on every generated dialect file too', () => {
    // The raw-character files of scanner-differential.test.ts, through both paths.
    const chars = ['a', 'Z', '1', ' ', '"', ',', ';', '\t', '|', '\n', '\r', 'é', '€', '😀'];
    fc.assert(
      fc.property(
        fc.constantFrom(',', ';', '\t', '|'),
        fc.array(fc.array(fc.array(fc.constantFrom(...chars), { maxLength: 6 }).map((c) => c.join('')), { minLength: 2, maxLength: 4 }),
          { minLength: 1, maxLength: 6 }),
        (delimiter, rows) => {
          const width = rows[0].length;
          const text = rows.map((r) => r.slice(0, width).map((v) => `"${v.replace(/"/g, '""')}"`).join(delimiter)).join('\n');
          expectSame(decodeText(utf8(text), 'utf-8'), { delimiter, header: false });
        },
      ),
      { numRuns: 500, seed: 7 },
    );
  });
});

test('a finished scan keeps nothing of its table: a later scan leaves the earlier table as it was', () => {
  // The scanner keeps the last scan's state (so V8 keeps its optimized code) with its big parts
  // let go: the columns and dictionaries it handed over must not change when the next scan runs.
  const scan = (text: string) => scanDelimitedBytes({ bytes: utf8(text), start: 0, delimiter: ',', header: true, limits: LIMITS, decimalComma: false, capacity: 4 });
  const first = scan('name,n\nalpha,1\nbeta,2\nalpha,3\n');
  const copy = structuredClone(first.table);
  const second = scan('name,n\ngamma,10\ndelta,20\nepsilon,30\nzeta,40\n');
  expect(first.table).toEqual(copy);
  const names = first.table.columns[0] as { dict: string[]; codes: Int32Array };
  expect(Array.from(names.codes, (c) => names.dict[c])).toEqual(['alpha', 'beta', 'alpha']);
  const later = second.table.columns[0] as { dict: string[]; codes: Int32Array };
  expect(Array.from(later.codes, (c) => later.dict[c])).toEqual(['gamma', 'delta', 'epsilon', 'zeta']);
  expect(Array.from((second.table.columns[1] as { values: Float64Array }).values)).toEqual([10, 20, 30, 40]);
});
