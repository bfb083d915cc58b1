// The .xls container check that runs before SheetJS: files whose damage would send SheetJS's CFB
// reader into an endless loop (a V8 fatal error that ends the whole process) are named; sound
// workbooks, small and large, and the real spreadsheet fixture pass.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import * as XLSX from 'xlsx';
import { cfbProblem } from '../../src/modules/ingest/cfb-check.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

function xlsOf(rows: unknown[][], sheets = 1): Buffer {
  const wb = XLSX.utils.book_new();
  for (let s = 0; s < sheets; s++) XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet(rows), `Sheet${s + 1}`);
  return XLSX.write(wb, { type: 'buffer', bookType: 'biff8' }) as Buffer;
}

describe('cfbProblem', () => {
  // Both found by tests/fuzz: a seed workbook with 44 bytes deleted (two entries end up each
  // other's right sibling), and one whose big stream's sector chain loops.
  test('when sibling links of the directory lead back, then the tree is said to loop', () => {
    expect(cfbProblem(fixture('sheetjs-crashers/cfb-sibling-cycle.xls'))).toBe('its directory tree loops');
  });

  test('when the sectors of a big stream form a loop, then the chain is said to loop', () => {
    expect(cfbProblem(fixture('sheetjs-crashers/cfb-sector-cycle.xls'))).toBe('a chain of its sectors loops');
  });

  test('sound workbooks pass: small, with many sheets, large (sector table past the header), and a real file', () => {
    expect(cfbProblem(xlsOf([['a', 'b'], [1, 'x']]))).toBeNull();
    expect(cfbProblem(xlsOf([['a'], [1]], 40))).toBeNull();
    // Two sheets near the row limit of .xls: past the 109 sector-table addresses of the header.
    const big = xlsOf([['n', 'text'], ...Array.from({ length: 60_000 }, (_, i) => [i, `value number ${i}`])], 2);
    expect(big.length).toBeGreaterThan(7 * 1024 * 1024);
    expect(cfbProblem(big)).toBeNull();
    expect(cfbProblem(fixture('files/people.xls'))).toBeNull();
  });

  test('what is no CFB file at all is left to the other checks', () => {
    expect(cfbProblem(Buffer.from('a,b\n1,2\n'))).toBeNull();
    expect(cfbProblem(fixture('files/people.xlsx'))).toBeNull();
  });
});
