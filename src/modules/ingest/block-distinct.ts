// Distinct counts of a parse's typed columns, counted from its blocks as they arrive, on the thread
// that receives them, while the parse goes on in the worker (IngestOptions.distinctFromBlocks).
// Counting every value of a 1M-row table took the worker about 100 ms after its scan; here it
// overlaps the scan, and only the rows after the last block are left for the end.
//
// Each block says at which scale each column is counted so far (more decimals may come later). A
// column whose scale changed after values were counted, or whose values do not fit the bitmap, is
// counted again from the result at the end, as the worker would have: the answer never depends on
// which way was taken.
import { CHUNK_ROWS, readRows, rowKindFits, scaledRows, type RowKind } from '../../core/column-codec.js';
import { countValuesDistinct, ScaledDistinct } from '../../core/stats/scaled-distinct.js';
import type { ColumnBlock, IngestResult } from './ingest.types.js';

/**
 * Bits all of a parse's counters may take together (128 MB). They live side by side until the parse
 * ends, where the worker counted one column after another: a column whose range needs more than its
 * share is counted at the end instead, as before.
 */
const BUDGET_BITS = 2 ** 30;

/**
 * A class, not a function returning closures: one upload's closures die with it, and V8 throws
 * away the optimized code that called them (or inlined them) when they do, so every upload compiled
 * the counting again (about 40 compilations, 250 ms of a helper thread's time per upload of the 1M
 * file). Methods of a class are the same functions for every upload.
 */
export class BlockDistinct {
  /** Per column: its counter; null once it must be counted from the result. */
  private counters: (ScaledDistinct | null | undefined)[] = [];
  /** Blocks counted, from the first (they come in order). */
  private blocks = 0;
  private scratch: Float64Array | null = null;
  /** A block's 1-byte whole numbers, widened. */
  private wide: Int32Array | null = null;

  /** A block from the parse (null: the blocks so far are void, the parse started again). */
  add(block: ColumnBlock | null): void {
    if (block === null) {
      this.counters = [];
      this.blocks = 0;
      return;
    }
    const { scales, expectedRows = 0, columns } = block;
    if (!scales || block.index !== this.blocks || block.count !== CHUNK_ROWS) {
      // Not what this counts from: everything is counted at the end.
      this.counters = columns.map(() => null);
      return;
    }
    let numeric = 0;
    for (const { kind } of columns) if (rowKindFits(kind, 'number')) numeric++;
    const share = Math.floor(BUDGET_BITS / numeric);
    for (let c = 0; c < columns.length; c++) {
      const { kind, data } = columns[c];
      if (!rowKindFits(kind, 'number')) continue; // text codes: the dictionary counts them
      this.countColumn(c, kind, data, scales[c], expectedRows, share);
    }
    this.blocks++;
  }

  /** Fills in the distinct counts the parse left to the receiver (-1). */
  complete(result: IngestResult): void {
    const from = this.blocks * CHUNK_ROWS;
    result.columns.forEach((meta, c) => {
      if (meta.distinctCount >= 0) return;
      const col = result.table.columns[c];
      if (col.type === 'string') throw new Error('A text column has no count left to its receiver.');
      const scale = result.scales?.[c] ?? 0;
      const counter = this.counters[c];
      if (counter && counter.scale === scale && counter.add(col.values.subarray(from))) {
        meta.distinctCount = counter.count;
        return;
      }
      meta.distinctCount = countValuesDistinct(col.values, scale);
    });
    this.counters = [];
  }

  private countColumn(c: number, kind: RowKind, data: Uint8Array, scale: number, expectedRows: number, share: number): void {
    let counter = this.counters[c];
    if (counter === null) return;
    if (counter === undefined || (counter.scale !== scale && counter.count === 0)) {
      counter = this.counters[c] = new ScaledDistinct(scale, expectedRows, share);
    } else if (counter.scale !== scale) {
      this.counters[c] = null;
      return;
    }
    // A narrow chunk holds the very whole numbers the counter would make of its values.
    const scaled = scaledRows(kind, data, CHUNK_ROWS);
    let counted: boolean;
    if (scaled && scaled.scale === scale) {
      // Always an Int32Array for the counter: a loop that saw both Int8Array and Int32Array
      // counted every column at about half speed (13 ms instead of 6 for 1M rows of 1..100).
      const rows = scaled.rows instanceof Int32Array ? scaled.rows : (this.wide ??= new Int32Array(CHUNK_ROWS));
      if (rows !== scaled.rows) rows.set(scaled.rows);
      counted = counter.addScaled(rows, scaled.missing);
    } else {
      const scratch = (this.scratch ??= new Float64Array(CHUNK_ROWS));
      readRows(kind, data, CHUNK_ROWS, scratch, 0);
      counted = counter.add(scratch);
    }
    if (!counted) this.counters[c] = null;
  }
}
