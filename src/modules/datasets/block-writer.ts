// Stores the blocks of rows a background parse hands over while it runs (ColumnBlock), so storing
// overlaps parsing instead of following it. Blocks wait until the dataset record exists, then are
// written one write at a time, each write taking all the blocks waiting by then. When the parse
// ends, `plan` says for each column how many of its leading chunks are already right: a block is
// right when its kind fits the column's final type (a column that turned out to be text later has
// stale blocks of values: they are dropped and the column is written whole).
import type { Column } from '../../core/column.js';
import { rowKindFits, type RowKind } from '../../core/column-codec.js';
import type { ColumnBlock } from '../ingest/ingest.types.js';
import type { TableStore } from './table-store.js';

export function blockWriter(store: TableStore) {
  let target: { id: string; version: number } | null = null;
  const waiting: (ColumnBlock | null)[] = [];
  /** Per column, the kind of each block written so far (block i is chunk i). */
  let written: RowKind[][] = [];
  /** The writes under way (one at a time); settles when nothing is left to write. */
  let writing: Promise<void> | null = null;
  let failure: unknown = null;
  let closed = false;

  /** Writes what waits, then what came meanwhile, until nothing is left. */
  const drain = async (): Promise<void> => {
    const ds = target!;
    while (waiting.length > 0) {
      // Every block waiting goes in one write: when the database falls behind the parse, the
      // blocks that piled up cost one round trip and one transaction, not one each.
      const end = waiting.indexOf(null);
      const batch = (end < 0 ? waiting.splice(0) : waiting.splice(0, Math.max(end, 1))) as (ColumnBlock | null)[];
      try {
        if (failure) continue;
        if (batch[0] === null) {
          // The parse started again another way: what was written is void.
          await store.dropVersion(ds.id, ds.version);
          written = [];
          continue;
        }
        const blocks = batch as ColumnBlock[];
        // All the blocks' columns in one write (one transaction, or a few for a wide table).
        const chunks = blocks.flatMap((block) => block.columns.map(({ kind, data }, column) => ({ column, kind, chunk: block.index, count: block.count, data })));
        await store.saveChunks(ds.id, ds.version, chunks);
        chunks.forEach(({ column, kind, chunk }) => ((written[column] ??= [])[chunk] = kind));
      } catch (err) {
        failure = err; // reported by plan(); later blocks are skipped
      } finally {
        // The drivers copied the bytes (or they are not needed): the worker may reuse the memory.
        for (const block of batch) block?.release?.();
      }
    }
  };
  const write = () => {
    writing ??= drain().finally(() => {
      writing = null;
    });
  };
  /** Waits until everything handed over is written. */
  const settled = async () => {
    while (writing) await writing;
  };

  return {
    /** A block from the parse (or null: the blocks so far are void). */
    add(block: ColumnBlock | null): void {
      if (closed) return block?.release?.();
      waiting.push(block);
      if (target) write();
    },

    /** The dataset exists now: write what waited, and the rest as it comes. */
    start(ds: { id: string; version: number }): void {
      target = ds;
      write();
    },

    /**
     * After the parse: waits for the writes, drops stale columns, and gives per column the first
     * chunk still to write. Throws the first write error (e.g. the dataset was deleted meanwhile).
     */
    async plan(columns: Column[]): Promise<number[]> {
      closed = true;
      await settled();
      if (failure) throw failure;
      const ds = target!;
      const from: number[] = [];
      for (let c = 0; c < columns.length; c++) {
        const kinds = written[c] ?? [];
        let n = 0;
        while (n < kinds.length && rowKindFits(kinds[n], columns[c].type)) n++;
        if (n < kinds.length) {
          await store.dropColumn(ds.id, ds.version, c);
          n = 0;
        }
        from.push(n);
      }
      return from;
    },

    /**
     * The parse failed: takes no more blocks and waits for the writes under way, so the content
     * can be removed after them (a write that ran after the removal would leave rows behind).
     */
    async close(): Promise<void> {
      closed = true;
      for (const block of waiting.splice(0)) block?.release?.();
      await settled();
    },
  };
}
export type BlockWriter = ReturnType<typeof blockWriter>;
