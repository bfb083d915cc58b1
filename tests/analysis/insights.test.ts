// Insights: each rule fires on data made to trigger it, the ranking is severity then strength,
// and the duplicate-row count agrees with pandas' DataFrame.duplicated() (oracle value below).
import { describe, expect, test } from '@jest/globals';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Table } from '../../src/core/column.js';
import { insights } from '../../src/modules/analysis/analysis.service.js';
import { countDuplicateRows } from '../../src/modules/analysis/insights.js';
import { tableFromCsvFile, tableFromCsvText } from './table-from-csv.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'oracle', 'fixtures');

function made(): Table {
  const lines = ['id,x,y,skew,mostly_empty,same,kind,code,flag'];
  for (let i = 0; i < 60; i++) {
    const x = i % 17;
    lines.push([
      i + 1,
      x,
      2 * x + (i % 3) * 0.01, // y ≈ 2x: r close to 1
      i < 57 ? i % 5 : 1000 + i, // long right tail
      i % 3 === 0 ? i : '', // two thirds missing
      'k', // constant
      i === 0 ? 'rare' : 'common', // imbalanced
      `c${i % 55}`, // many distinct, not all
      i % 2 === 0 ? 'true' : 'false',
    ].join(','));
  }
  lines.push(lines[5]); // an exact duplicate row
  return tableFromCsvText(lines.join('\n'));
}

describe('insights', () => {
  test('when the data has each kind of issue, then each rule reports it', () => {
    const { data } = insights(made(), null, {});
    const byType = (t: string) => data.filter((d) => d.type === t);
    expect(byType('high_correlation').map((d) => d.columns)).toContainEqual(['x', 'y']);
    expect(byType('high_correlation').find((d) => d.columns.join() === 'x,y')).toMatchObject({ severity: 'high' });
    expect(byType('skewed').map((d) => d.columns[0])).toContain('skew');
    expect(byType('missing')).toEqual([expect.objectContaining({ columns: ['mostly_empty'], severity: 'high' })]);
    expect(byType('missing')[0].value).toBeCloseTo(41 / 61, 12);
    expect(byType('constant')).toEqual([expect.objectContaining({ columns: ['same'] })]);
    expect(byType('imbalanced')).toEqual([expect.objectContaining({ columns: ['kind'], value: 60 / 61 })]);
    expect(byType('high_cardinality')).toEqual([expect.objectContaining({ columns: ['code'], value: 55 })]);
    expect(byType('outliers').map((d) => d.columns[0])).toContain('skew');
    expect(byType('duplicate_rows')).toEqual([expect.objectContaining({ value: 1, severity: 'low' })]);
    // id repeats once (the duplicated row), so it is not unique; on the rows without it, it is.
    expect(byType('unique')).toEqual([]);
    const noDup = insights(made(), Int32Array.from({ length: 60 }, (_, i) => i), {}).data;
    expect(noDup.filter((d) => d.type === 'unique').map((d) => d.columns)).toEqual([['id']]);
  });

  test('when insights are listed, then they are ranked by severity, then by strength', () => {
    const { data } = insights(made(), null, {});
    const rank = { high: 0, medium: 1, low: 2 };
    for (let i = 1; i < data.length; i++) expect(rank[data[i].severity]).toBeGreaterThanOrEqual(rank[data[i - 1].severity]);
    for (const d of data) {
      expect(d.message.length).toBeGreaterThan(10);
      expect(d.message).not.toMatch(/NaN|undefined|null/);
    }
  });

  test('when sensors.csv has repeated rows, then the duplicate count is pandas DataFrame.duplicated().sum() = 3', async () => {
    // /usr/bin/python3 -c "import pandas as pd; print(pd.read_csv('tests/oracle/fixtures/sensors.csv').duplicated().sum())" → 3
    const t = await tableFromCsvFile(join(FIXTURES, 'sensors.csv'));
    expect(countDuplicateRows(t.columns, null, t.rowCount)).toBe(3);
    expect(insights(t, null, {}).data.find((d) => d.type === 'duplicate_rows')?.value).toBe(3);
  });

  test('when rows differ only by a missing value against a present one, then they are not duplicates', () => {
    const t = tableFromCsvText(['a,b', '1,', '1,', '1,0', ',0', ',0'].join('\n'));
    expect(countDuplicateRows(t.columns, null, t.rowCount)).toBe(2);
  });
});
