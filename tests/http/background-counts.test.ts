// A background upload (202) is stored in blocks of rows while it is read (datasets/block-writer.ts).
// Its metadata must be exact all the same: also when a column gains decimals part-way, when one
// turns out to be text after its first blocks were stored, and when one is empty until its last row.
// The distinct values of typed columns are counted from the blocks as they come (ingest/block-distinct.ts),
// and again from the whole column where that cannot be exact: both ways must give the same count.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type { StatlasApp } from '../../src/app.js';
import { signUp, startTestApp, upload, type TestUser } from '../helpers/test-app.js';

// Two blocks of 65,536 rows and a part of one.
const ROWS = 2 * 65_536 + 300;
const DAY = 86_400_000;

/** Each value is written one way only, so distinct cells are distinct values. */
function csv(): string {
  const lines = ['qty,price,wide,day,flag,late_text,empty_until_end,late_decimals'];
  for (let i = 0; i < ROWS; i++) {
    // One decimal in the first block, three after it: the count changes its scale part-way.
    const price = i % 17 === 0 ? '' : String(i < 65_536 ? (i % 500) / 10 : (i % 5000) / 1000);
    // Far apart: past the range a bitmap covers, counted by hash.
    const wide = String(i * 1_000_003 - 7e10);
    const day = new Date(Date.UTC(2000, 0, 1) + (i % 1000) * DAY).toISOString().slice(0, 10);
    // Numbers until the last rows, then text: the column turns out to be text.
    const late = i < ROWS - 100 ? String(i % 10) : `x${i % 3}`;
    // Whole numbers in every block, decimals only in the rows after the last one.
    const lateDecimals = i < ROWS - 100 ? String(i % 1234) : String((i % 50) + 0.25);
    lines.push(`${i % 97},${price},${wide},${day},${i % 3 === 0},${late},${i === ROWS - 1 ? '2.5' : ''},${lateDecimals}`);
  }
  return lines.join('\n');
}

let statlas: StatlasApp;
let user: TestUser;

beforeAll(async () => {
  statlas = await startTestApp({ ASYNC_UPLOAD_MB: '0' });
  user = await signUp(statlas.app, 'counts');
}, 30_000);
afterAll(async () => {
  await statlas.close();
});

describe('a background upload', () => {
  test('has exact null and distinct counts, and stores the rows of the file', async () => {
    const text = csv();
    const res = await upload(statlas.app, user, text, 'blocks.csv');
    expect(res.status).toBe(202);
    let ds = res.body;
    for (let i = 0; i < 600 && ds.status === 'processing'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      ds = (await request(statlas.app).get(`/api/v1/datasets/${ds.id}`).set(user.auth)).body;
    }
    expect(ds.status).toBe('ready');

    const lines = text.split('\n');
    const expected = lines[0].split(',').map((name, c) => {
      const cells = lines.slice(1).map((line) => line.split(',')[c]);
      const present = cells.filter((cell) => cell !== '');
      return { name, nullCount: cells.length - present.length, distinctCount: new Set(present).size };
    });
    expect(ds.columns.map(({ name, nullCount, distinctCount }: typeof expected[number]) => ({ name, nullCount, distinctCount }))).toEqual(expected);
    expect(ds.columns.map((c: { type: string }) => c.type)).toEqual(['integer', 'number', 'integer', 'date', 'boolean', 'string', 'number', 'number']);

    // The stored rows are the file's: in the first block, at the block edges and in the last rows.
    for (const offset of [0, 65_530, 131_070, ROWS - 120]) {
      const page = await request(statlas.app).get(`/api/v1/datasets/${ds.id}/rows?offset=${offset}&limit=10`).set(user.auth);
      expect(page.status).toBe(200);
      const want = lines.slice(1 + offset, 11 + offset).map((line) => line.split(','));
      const got = page.body.data.map((row: Record<string, unknown>) => [
        String(row.qty), row.price === null ? '' : String(row.price), String(row.wide), row.day, String(row.flag), row.late_text,
        row.empty_until_end === null ? '' : String(row.empty_until_end), String(row.late_decimals),
      ]);
      expect(got).toEqual(want);
    }
  }, 60_000);
});
