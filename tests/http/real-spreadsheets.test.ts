// Files written by a real spreadsheet program (LibreOffice; see tests/fixtures/make-spreadsheets.sh),
// uploaded next to the CSV they were made from: same rows, types and null counts.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import request from 'supertest';
import type { StatlasApp } from '../../src/app.js';
import { signUp, startTestApp, uploadReady, type TestUser } from '../helpers/test-app.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/files/${name}`, import.meta.url));

let statlas: StatlasApp;
let user: TestUser;
beforeAll(async () => {
  statlas = await startTestApp();
  user = await signUp(statlas.app, 'sheets');
});
afterAll(async () => statlas.close());

const EXPECTED_COLUMNS = [
  { name: 'id', type: 'integer', nullCount: 0, distinctCount: 5 },
  { name: 'name', type: 'string', nullCount: 0, distinctCount: 5 },
  { name: 'joined', type: 'date', nullCount: 1, distinctCount: 4 },
  { name: 'score', type: 'number', nullCount: 1, distinctCount: 4 },
  { name: 'active', type: 'boolean', nullCount: 1, distinctCount: 2 },
  { name: 'zip', type: 'string', nullCount: 1, distinctCount: 4 },
];

const EXPECTED_FIRST_ROWS = [
  { id: 1, name: 'Ana', joined: '2024-01-31', score: 3.5, active: true, zip: '02134' },
  { id: 2, name: 'Bo', joined: '2023-12-01', score: null, active: false, zip: '10001' },
  { id: 3, name: 'Cy', joined: '2024-02-29', score: 7.25, active: true, zip: null },
];

test.each([
  ['people.csv', 'csv'],
  ['people.xlsx', 'xlsx'],
  ['people.xls', 'xls'],
])('%s: rows, types, null counts and dates (no day lost to time zones)', async (file, format) => {
  const ds = await uploadReady(statlas.app, user, fixture(file), file);
  expect(ds.format).toBe(format);
  expect(ds.rowCount).toBe(5);
  expect(ds.columns).toEqual(EXPECTED_COLUMNS);
  const rows = await request(statlas.app).get(`/api/v1/datasets/${ds.id}/rows?limit=3`).set(user.auth);
  expect(rows.body.data).toEqual(EXPECTED_FIRST_ROWS);
});
