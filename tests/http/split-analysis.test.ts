// Big analyses split their rows between the request thread and a helper thread (core/parallel).
// Over HTTP, on an uploaded table and on the same table read back from the database, the split
// answers must be the one-pass answers.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type { StatlasApp } from '../../src/app.js';
import { helperChunks, setMinParallelRows, startRowHelper, stopRowHelper } from '../../src/core/parallel/split-rows.js';
import { signUp, startTestApp, uploadReady, type TestUser } from '../helpers/test-app.js';

// Three chunks of 65,536 rows and a part of one: about 5 MB of CSV, under the 8 MB of a direct upload.
const ROWS = 3 * 65_536 + 777;

function csv(): string {
  let s = 24681357;
  const rand = () => ((s = (Math.imul(s, 48271) + 11) >>> 0) / 2 ** 32);
  const lines = ['region,price,qty,day,spare'];
  const day0 = Date.UTC(2020, 0, 1);
  for (let i = 0; i < ROWS; i++) {
    const price = rand() < 0.05 ? '' : (rand() * 900 + 5).toFixed(2);
    const day = new Date(day0 + Math.floor(rand() * 1500) * 86_400_000).toISOString().slice(0, 10);
    lines.push(`r${Math.floor(rand() * 12)},${price},${Math.floor(rand() * 50)},${day},x`);
  }
  return lines.join('\n');
}

const REQUESTS: [string, string, unknown?][] = [
  ['GET', 'analysis/summary?columns=price,qty,day,region'],
  ['GET', 'analysis/groupby?by=region&metrics=count,count:price,sum:price,mean:price,sum:qty'],
  ['GET', 'analysis/groupby?by=day:month&metrics=count,mean:price,sum:qty'],
  ['GET', 'analysis/histogram?column=price&bins=20'],
  ['GET', 'analysis/correlations?method=pearson&columns=price,qty,day'],
  ['POST', 'chart-data', { type: 'line', x: 'day', y: 'price', aggregate: 'mean', timeUnit: 'month' }],
];

/** Same shape; numbers within 1e-12 of each other (relative), integers equal. */
function expectClose(a: unknown, b: unknown, path = ''): void {
  if (typeof a === 'number' && typeof b === 'number') {
    const ok = Number.isInteger(b) ? a === b : Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));
    expect([path, ok ? b : a]).toEqual([path, b]);
  } else if (a && typeof a === 'object' && b && typeof b === 'object') {
    expect(Object.keys(a)).toEqual(Object.keys(b));
    for (const k of Object.keys(a)) expectClose((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
  } else expect([path, a]).toEqual([path, b]);
}

// Not valueRange: a column's range is measured once and kept (tests/core/split-rows.test.ts splits it).
const KERNELS = ['binCounts', 'codeCounts', 'dayLevels', 'slotSums', 'pearsonSums', 'describeColumns'];

/**
 * Runs `round` until the helper has done chunks of every kernel these requests split (so the split
 * was tested, not the request thread alone), 20 times at most. The request thread may take every
 * chunk of a quick pass while the helper wakes up, so one round does not always show them all.
 */
async function untilHelperTookPart(round: () => Promise<void>): Promise<void> {
  const before = new Map(helperChunks);
  const missing = () => KERNELS.filter((k) => (helperChunks.get(k) ?? 0) === (before.get(k) ?? 0));
  for (let i = 0; i < 20 && missing().length > 0; i++) await round();
  expect(missing()).toEqual([]);
}

let statlas: StatlasApp;
let reread: StatlasApp;
let user: TestUser;
let id: string;
let renames = 0;

/** Every request's answer, computed afresh: renaming a column no request uses misses the answer cache. */
async function answers(app: StatlasApp): Promise<unknown[]> {
  const name = renames === 0 ? 'spare' : `spare${renames}`;
  renames++;
  const renamed = await request(app.app).patch(`/api/v1/datasets/${id}`).set(user.auth).send({ columns: [{ name, newName: `spare${renames}` }] });
  expect(renamed.status).toBe(200);
  const out: unknown[] = [];
  for (const [method, path, body] of REQUESTS) {
    const url = `/api/v1/datasets/${id}/${path}`;
    const res = method === 'GET' ? await request(app.app).get(url).set(user.auth) : await request(app.app).post(url).set(user.auth).send(body as object);
    expect([path, res.status]).toEqual([path, 200]);
    out.push(res.body);
  }
  return out;
}

let uploaded: { columns: { name: string; nullCount: number; distinctCount: number }[] };
let text: string;

beforeAll(async () => {
  statlas = await startTestApp();
  user = await signUp(statlas.app, 'split');
  text = csv();
  uploaded = await uploadReady(statlas.app, user, text, 'big.csv');
  id = (uploaded as unknown as { id: string }).id;
  startRowHelper();
  await new Promise((resolve) => setTimeout(resolve, 1500));
}, 60_000);
afterAll(async () => {
  setMinParallelRows();
  await stopRowHelper();
  await statlas.close();
  await reread?.close();
});

describe('analyses split between two threads, over HTTP', () => {
  test('the null and distinct counts of the upload are exact', () => {
    // Counted here from the text: each column's cells are written one way per value.
    const lines = text.split('\n');
    const header = lines[0].split(',');
    const expected = header.map((name, c) => {
      const cells = lines.slice(1).map((line) => line.split(',')[c]);
      const present = cells.filter((cell) => cell !== '');
      return { name, nullCount: cells.length - present.length, distinctCount: new Set(present).size };
    });
    expect(uploaded.columns.map(({ name, nullCount, distinctCount }) => ({ name, nullCount, distinctCount }))).toEqual(expected);
    expect(uploaded.columns.every((c) => !('distinctScale' in c))).toBe(true);
  });

  test('give the one-pass answers, on the uploaded table and on the table read back from the database', async () => {
    const whole = await answers(statlas); // fewer rows than the default threshold: not split
    setMinParallelRows(1);
    await untilHelperTookPart(async () => expectClose(await answers(statlas), whole));
    // A second app on the same database starts with an empty cache: it reads the columns back.
    reread = await startTestApp();
    await untilHelperTookPart(async () => expectClose(await answers(reread), whole));
  }, 60_000);
});
