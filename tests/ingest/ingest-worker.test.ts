// Parsing in the worker gives exactly what parsing in-process gives, errors included.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { AppError } from '../../src/errors.js';
import { ingestFile } from '../../src/modules/ingest/ingest.js';
import { ingestInWorker, stopIngestWorker, workerIngester } from '../../src/modules/ingest/ingest-pool.js';
import type { IngestOptions } from '../../src/modules/ingest/ingest.types.js';
import { setSpoolDir, setSpoolWriteLimit } from '../../src/modules/ingest/upload-spool.js';

const LIMITS = { maxRows: 1_000_000, maxColumns: 1000, maxCellBytes: 32768 };
const opts: IngestOptions = { filename: 'data.csv', header: true, limits: LIMITS };

/** A CSV of every column type, with missing values, owning its own ArrayBuffer (transferable). */
function sampleCsv(rows: number): Uint8Array {
  const lines = ['id,price,flag,day,at,region,note'];
  for (let i = 0; i < rows; i++) {
    lines.push(
      [i, i % 9 === 0 ? '' : (i * 1.25).toFixed(2), i % 2 ? 'true' : 'false', `2024-01-${String((i % 28) + 1).padStart(2, '0')}`,
        `2024-01-01T${String(i % 24).padStart(2, '0')}:00:00Z`, `r${i % 5}`, i % 7 ? `"n, ${i}"` : 'NA'].join(','),
    );
  }
  const encoded = new TextEncoder().encode(lines.join('\n'));
  return new Uint8Array(encoded); // a fresh, exactly sized buffer
}

afterAll(async () => {
  await stopIngestWorker();
});

describe('ingestInWorker', () => {
  test('when a CSV is parsed in the worker, then the result equals the in-process one, typed arrays included', async () => {
    // Over a megabyte, owning its buffer: handed to the worker as it is.
    const expected = await ingestFile(sampleCsv(20_000), opts);
    const progress: number[] = [];
    const input = sampleCsv(20_000);
    expect(input.length).toBeGreaterThan(1024 * 1024);
    const result = await ingestInWorker(input, opts, (f) => progress.push(f));

    expect(result).toEqual(expected);
    expect(result.table.columns[1]).toMatchObject({ type: 'number' });
    const price = result.table.columns[1];
    if (price.type === 'string') throw new Error('price should be numeric');
    // (Typed arrays from a worker belong to Node's realm, not jest's: compare the tag, not the class.)
    expect(Object.prototype.toString.call(price.values)).toBe('[object Float64Array]');
    const region = result.table.columns[5];
    if (region.type !== 'string') throw new Error('region should be text');
    expect(Object.prototype.toString.call(region.codes)).toBe('[object Int32Array]');
    expect(Array.from(region.codes.subarray(0, 6))).toEqual([0, 1, 2, 3, 4, 0]);
    // The input was transferred, not copied: the caller's buffer is detached now.
    expect(input.byteLength).toBe(0);
    expect(progress.at(-1)).toBe(1);
  });

  test('when a result comes back, then its columns are shared with the worker, not transferred out of it (other parsers too)', async () => {
    const csv = await ingestInWorker(sampleCsv(100), opts);
    const json = await ingestInWorker(new TextEncoder().encode(JSON.stringify([{ a: 1, b: 'x' }, { a: 2.5, b: 'y' }])), { ...opts, filename: 'data.json' });
    expect(json.format).toBe('json');
    for (const { table } of [csv, json]) {
      for (const col of table.columns) {
        const arr = col.type === 'string' ? col.codes : col.values;
        expect([col.name, Object.prototype.toString.call(arr.buffer)]).toEqual([col.name, '[object SharedArrayBuffer]']);
      }
    }
  });

  test('when the file arrives in small pieces (views into socket buffers), then the result is the same as parsing it whole', async () => {
    const whole = sampleCsv(8_000);
    const expected = await ingestFile(whole, opts);
    const backing = new Uint8Array(whole.length + 100);
    backing.set(whole, 50);
    const sink = workerIngester.receive(whole.length);
    // Uneven piece sizes, so batches and line ends fall anywhere.
    for (let at = 0, k = 0; at < whole.length; k++) {
      const size = 1 + ((k * 7919) % 20_000);
      sink.write(backing.subarray(50 + at, 50 + Math.min(whole.length, at + size)));
      at += size;
    }
    const job = sink.ingest(opts);
    expect(await job.format).toBe('csv');
    expect(await job.result).toEqual(expected);
    // The pieces were copied: the caller's buffer is intact.
    expect(backing.subarray(50, 50 + whole.length)).toEqual(whole);
  });

  test('when a CSV is read while it arrives, then the result is the same as parsing it whole, distinct counts included', async () => {
    // With upload hints the worker scans the file as it comes (csv-stream.ts).
    const whole = sampleCsv(40_000);
    const expected = await ingestFile(whole, opts);
    const sink = workerIngester.receive(whole.length, { filename: opts.filename, limits: LIMITS });
    for (let at = 0; at < whole.length; at += 65_536) {
      sink.write(whole.slice(at, at + 65_536));
      await new Promise((resolve) => setTimeout(resolve, 2)); // time for the worker to read on
    }
    const result = await sink.ingest(opts).result;
    expect(result.columns).toEqual(expected.columns);
    expect(result).toEqual(expected);
  });

  test('when an upload is longer than announced, then it still arrives whole', async () => {
    // The spool file has no size: the announced one only says there is one.
    const whole = sampleCsv(30_000);
    const expected = await ingestFile(whole, opts);
    const sink = workerIngester.receive(Math.floor(whole.length / 3), { filename: opts.filename, limits: LIMITS });
    for (let at = 0; at < whole.length; at += 40_000) sink.write(whole.slice(at, at + 40_000));
    expect(await sink.ingest(opts).result).toEqual(expected);
  });

  test('when a long upload is followed by a shorter one, then nothing of the first is read', async () => {
    // Rows of the first file after the last line of the second must not count (a spool file or a
    // buffer used again would hold them).
    const long = sampleCsv(30_000);
    const short = new TextEncoder().encode('id,price\n1,2.5\n2,');
    for (const [file, hint] of [[long, long.length], [short, short.length + 40]] as const) {
      const sink = workerIngester.receive(hint, { filename: opts.filename, limits: LIMITS });
      for (let at = 0; at < file.length; at += 50_000) sink.write(file.slice(at, at + 50_000));
      expect(await sink.ingest(opts).result).toEqual(await ingestFile(file, opts));
    }
  });

  test('when an upload is dropped, then nothing comes of it and later uploads work', async () => {
    const sink = workerIngester.receive(100);
    sink.write(new TextEncoder().encode('a,b\n1,'));
    sink.abort();
    expect(() => sink.ingest(opts)).toThrow();
    const next = await ingestInWorker(new TextEncoder().encode('a\n1\n2\n'), opts);
    expect(next.table.rowCount).toBe(2);
  });

  test('when the content is not a table, then the format answer is the 415, before any parse', async () => {
    const sink = workerIngester.receive(100);
    sink.write(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]));
    const job = sink.ingest(opts);
    await expect(job.format).rejects.toMatchObject({ code: 'UNSUPPORTED_FILE_TYPE' });
    await expect(job.result).rejects.toMatchObject({ code: 'UNSUPPORTED_FILE_TYPE' });
  });

  test('when the input is a view into a bigger buffer, then it is copied and left intact', async () => {
    const text = new TextEncoder().encode('xxxxa,b\n1,2\n');
    const view = text.subarray(4);
    const result = await ingestInWorker(view, opts);
    expect(result.table.rowCount).toBe(1);
    expect(view.byteLength).toBe(8);
  });

  test('when the file has a broken quote, then the worker rejects with the same AppError (422, same details)', async () => {
    const bad = new TextEncoder().encode('a,b\n1,2\n3,"oops\n');
    let inProcess: unknown;
    try {
      await ingestFile(bad, opts);
    } catch (err) {
      inProcess = err;
    }
    const fromWorker = await ingestInWorker(new TextEncoder().encode('a,b\n1,2\n3,"oops\n'), opts).catch((err: unknown) => err);
    expect(fromWorker).toBeInstanceOf(AppError);
    expect(inProcess).toBeInstanceOf(AppError);
    const [w, p] = [fromWorker as AppError, inProcess as AppError];
    expect({ code: w.code, status: w.status, message: w.message, details: w.details }).toEqual({
      code: p.code,
      status: 422,
      message: p.message,
      details: p.details,
    });
  });

  test('when several files are sent at once, then they are queued and each gets its own answer', async () => {
    const files = [1, 2, 3, 4].map((n) => new TextEncoder().encode('v\n' + Array.from({ length: n }, (_, i) => i).join('\n')));
    const results = await Promise.all(files.map((f) => ingestInWorker(f, opts)));
    expect(results.map((r) => r.table.rowCount)).toEqual([1, 2, 3, 4]);
  });

  test('when an upload is spooled, then the file is gone from disk at once and its descriptor is closed after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'statlas-spool-test-'));
    setSpoolDir(dir);
    try {
      const fds = () => readdirSync('/proc/self/fd').length;
      const before = fds();
      const whole = sampleCsv(5_000);
      const sink = workerIngester.receive(whole.length, { filename: opts.filename, limits: LIMITS });
      sink.write(whole.slice(0, 1000));
      expect(readdirSync(dir)).toEqual([]); // no name on disk, even while it is written
      expect(fds()).toBe(before + 1);
      sink.write(whole.slice(1000));
      expect(await sink.ingest(opts).result).toEqual(await ingestFile(whole, opts));
      expect(fds()).toBe(before);
      // Dropped before its end: closed too.
      const dropped = workerIngester.receive(1000);
      dropped.write(whole.slice(0, 500));
      expect(fds()).toBe(before + 1);
      dropped.abort();
      expect(fds()).toBe(before);
    } finally {
      setSpoolDir();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('when the disk is full, then that upload gets a 503, its file is closed, and the next one works', async () => {
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    setSpoolWriteLimit(100_000);
    try {
      const whole = sampleCsv(5_000);
      const sink = workerIngester.receive(whole.length, { filename: opts.filename, limits: LIMITS });
      for (let at = 0; at < whole.length; at += 30_000) sink.write(whole.slice(at, at + 30_000));
      expect(fds()).toBe(before);
      const job = sink.ingest(opts);
      await expect(job.format).rejects.toMatchObject({ code: 'UNAVAILABLE', status: 503, message: expect.stringContaining('no room') });
      await expect(job.result).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    } finally {
      setSpoolWriteLimit();
    }
    const next = workerIngester.receive(100, { filename: opts.filename, limits: LIMITS });
    next.write(new TextEncoder().encode('a,b\n1,2\n'));
    expect((await next.ingest(opts).result).table.rowCount).toBe(1);
  });

  test('when no spool file can be made, then the upload is kept in memory and read all the same', async () => {
    setSpoolDir('/nonexistent/statlas-spool');
    try {
      const whole = sampleCsv(5_000);
      const sink = workerIngester.receive(whole.length, { filename: opts.filename, limits: LIMITS });
      for (let at = 0; at < whole.length; at += 30_000) sink.write(whole.slice(at, at + 30_000));
      expect(await sink.ingest(opts).result).toEqual(await ingestFile(whole, opts));
    } finally {
      setSpoolDir();
    }
  });

  test('when a spooled CSV turns out not to be what it looked like, then it is read again whole, as in-process', async () => {
    // Read a window at a time (4 MB at most) while it arrives: in this 5.6 MB file a column turns to
    // text on the last row, when the windows have moved on (its earlier cells are read back from
    // the file); in the second, the last bytes are not UTF-8 (the whole file is then read the usual
    // way, as windows-1252).
    const rows = ['id,code,amount'];
    for (let i = 0; i < 250_000; i++) rows.push(`${i},${i * 7},${(i * 0.25).toFixed(2)}`);
    const lateText = new TextEncoder().encode([...rows, '250000,X-1,2.5', ''].join('\n'));
    const lastRow = new Uint8Array([...lateText, ...new TextEncoder().encode('250001,caf'), 0xe9, 0x0a]);
    for (const file of [lateText, lastRow]) {
      const sink = workerIngester.receive(file.length, { filename: opts.filename, limits: LIMITS });
      for (let at = 0; at < file.length; at += 65_536) {
        sink.write(file.slice(at, at + 65_536));
        if (at % (1 << 20) === 0) await new Promise((resolve) => setTimeout(resolve, 5)); // the worker reads on
      }
      const result = await sink.ingest(opts).result;
      expect(result).toEqual(await ingestFile(file, opts));
    }
  });

  test('when a spooled CSV has a line longer than a read step, then it is read whole', async () => {
    // 150 cells of 30,000 characters: 4.5 MB without a line end, more than one step (4 MB) reads.
    const wide = Array.from({ length: 150 }, (_, c) => `c${c}`).join(',');
    const row = (k: string) => Array.from({ length: 150 }, (_, c) => `${k}${c}`.padEnd(30_000, k)).join(',');
    const file = new TextEncoder().encode([wide, row('a'), row('b'), '1,'.repeat(149) + '1', ''].join('\n'));
    const sink = workerIngester.receive(file.length, { filename: opts.filename, limits: LIMITS });
    for (let at = 0; at < file.length; at += 1 << 20) sink.write(file.slice(at, at + (1 << 20)));
    const result = await sink.ingest(opts).result;
    expect(result).toEqual(await ingestFile(file, opts));
    expect(result.table.rowCount).toBe(3);
  });

  test('when the worker is stopped mid-parse, then that parse fails and the next one starts a new worker', async () => {
    const pending = ingestInWorker(sampleCsv(200_000), opts);
    await new Promise((r) => setTimeout(r, 20));
    await stopIngestWorker();
    await expect(pending).rejects.toThrow();
    const next = await ingestInWorker(new TextEncoder().encode('a\n1\n'), opts);
    expect(next.table.rowCount).toBe(1);
  });
});
