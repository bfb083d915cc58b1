// Distinct counts of a parse's typed columns, counted from its blocks as they arrive, on the thread
// that receives them, while the parse goes on in the worker (IngestOptions.distinctFromBlocks).
// Counting every value of a 1M-row table took the worker about 100 ms after its scan; here it
// overlaps the scan, and only the rows after the last block are left for the end.
//
// Each block says at which scale each column is counted so far (more decimals may come later). A
// column whose scale changed after values were counted, or whose values do not fit the bitmap, is
// counted again from the result at the end, as the worker would have: the answer never depends on
// which way was taken.
import { CHUNK_ROWS, readRows, rowKindFits, scaledRows } from '../../core/column-codec.js';
import { countValuesDistinct, ScaledDistinct } from '../../core/stats/scaled-distinct.js';
import type { ColumnBlock, IngestResult } from './ingest.types.js';

/**
 * Bits all of a parse's counters may take together (128 MB). They live side by side until the parse
 * ends, where the worker counted one column after another: a column whose range needs more than its
 * share is counted at the end instead, as before.
 */
const BUDGET_BITS = 2 ** 30;

export function blockDistinct() {
  /** Per column: its counter; null once it must be counted from the result. */
  let counters: (ScaledDistinct | null | undefined)[] = [];
  /** Blocks counted, from the first (they come in order). */
  let blocks = 0;
  let scratch: Float64Array | null = null;
  /** A block's 1-byte whole numbers, widened. */
  let wide: Int32Array | null = null;

  const count = (block: ColumnBlock): void => {
    const { scales, expectedRows = 0 } = block;
    if (!scales || block.index !== blocks || block.count !== CHUNK_ROWS) {
      // Not what this counts from: everything is counted at the end.
      counters = block.columns.map(() => null);
      return;
    }
    scratch ??= new Float64Array(CHUNK_ROWS);
    const share = Math.floor(BUDGET_BITS / block.columns.filter(({ kind }) => rowKindFits(kind, 'number')).length);
    block.columns.forEach(({ kind, data }, c) => {
      let counter = counters[c];
      if (counter === null || !rowKindFits(kind, 'number')) return; // text codes: the dictionary counts them
      const scale = scales[c];
      if (counter === undefined || (counter.scale !== scale && counter.count === 0)) {
        counter = counters[c] = new ScaledDistinct(scale, expectedRows, share);
      } else if (counter.scale !== scale) {
        counters[c] = null;
        return;
      }
      // A narrow chunk holds the very whole numbers the counter would make of its values.
      const scaled = scaledRows(kind, data, CHUNK_ROWS);
      let counted: boolean;
      if (scaled && scaled.scale === scale) {
        // Always an Int32Array for the counter: a loop that saw both Int8Array and Int32Array
        // counted every column at about half speed (11 ms instead of 6 per million values, alone).
        const rows = scaled.rows instanceof Int32Array ? scaled.rows : (wide ??= new Int32Array(CHUNK_ROWS));
        if (rows !== scaled.rows) rows.set(scaled.rows);
        counted = counter.addScaled(rows, scaled.missing);
      } else {
        readRows(kind, data, CHUNK_ROWS, scratch!, 0);
        counted = counter.add(scratch!);
      }
      if (!counted) counters[c] = null;
    });
    blocks++;
  };

  return {
    /** A block from the parse (null: the blocks so far are void, the parse started again). */
    add(block: ColumnBlock | null): void {
      if (block === null) {
        counters = [];
        blocks = 0;
        return;
      }
      count(block);
    },

    /** Fills in the distinct counts the parse left to the receiver (-1). */
    complete(result: IngestResult): void {
      const from = blocks * CHUNK_ROWS;
      result.columns.forEach((meta, c) => {
        if (meta.distinctCount >= 0) return;
        const col = result.table.columns[c];
        if (col.type === 'string') throw new Error('A text column has no count left to its receiver.');
        const scale = result.scales?.[c] ?? 0;
        const counter = counters[c];
        if (counter && counter.scale === scale && counter.add(col.values.subarray(from))) {
          meta.distinctCount = counter.count;
          return;
        }
        meta.distinctCount = countValuesDistinct(col.values, scale);
      });
      counters = [];
    },
  };
}
export type BlockDistinct = ReturnType<typeof blockDistinct>;
