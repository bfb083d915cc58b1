// Reading a CSV upload while it still arrives, so parsing overlaps receiving (the ingest worker
// feeds it each piece). It starts with the defaults an upload gets when it names no delimiter,
// encoding or header: a guess that is checked when the file is complete. When the guess does not
// hold (other options, not UTF-8, not CSV after all, the fast scanner unsure), `finish` says so
// and the upload is parsed from its start the usual way. When it holds, the result is the one
// ingestDelimited gives for the whole file: the same scanner, only fed in parts (csv-bytes.ts).
//
// It reads the upload a window at a time (UploadBytes), so an upload spooled to disk is never held
// in memory whole on the way (upload-spool.ts).
import { isUtf8 } from 'node:buffer';
import { ByteScanUnsure, GrowingScan } from './csv-bytes.js';
import { detectEncoding } from './decode-text.js';
import type { ColumnBlock, DatasetFormat, IngestLimits, IngestOptions, IngestResult } from './ingest.types.js';
import { bomsLength, estimateRows, isBlankUtf8, normalizeDelimiter, sampleText } from './parse-delimited.js';
import { sniffDelimiter } from './sniff-delimiter.js';

/**
 * Reading starts once this much is in: enough for the delimiter sniffer's sample (64k characters,
 * at most 3 bytes each) to be the whole file's, and for the row estimate.
 */
const START_BYTES = 256 * 1024;
/**
 * Bytes read per step: between steps the worker takes its messages, so the end of an upload (and
 * with it the format check the client waits for) is not held up by a long read.
 */
const STEP_BYTES = 4 * 1024 * 1024;

/** An upload's bytes as they arrive: in memory, or in a file read a window at a time. */
export interface UploadBytes {
  /** Bytes arrived so far. */
  readonly length: number;
  /**
   * The file's bytes [from, to) (to <= length): `bytes` holds the file from byte `base` (<= from)
   * to `to`. It may be memory that the next call reuses.
   */
  window(from: number, to: number): { bytes: Uint8Array; base: number };
  /** The file's bytes [from, to), in memory that stays as it is while the upload is read. */
  copy(from: number, to: number): Uint8Array;
}

export class GrowingCsv {
  private scan: GrowingScan | null = null;
  private delimiter = '';
  /** Bytes read so far (always just after a line end). */
  private read = 0;
  private gaveUp = false;
  /** Whether each new part must be checked to be UTF-8 (not after a UTF-8 byte order mark). */
  private checkUtf8 = true;
  /** Blocks read before anyone asked for them (they go out at finish, if asked for). */
  private early: ColumnBlock[] = [];

  constructor(
    private readonly filename: string,
    private readonly limits: IngestLimits,
    private readonly total: number,
    private readonly src: UploadBytes,
  ) {}

  /** Whether the guess still holds (the scan started, and nothing said it is not this CSV). */
  get reading(): boolean {
    return this.scan !== null && !this.gaveUp;
  }

  /**
   * Reads complete lines among the bytes arrived, one step's worth. True when there is more to read
   * now (call again soon). Never throws.
   */
  feed(): boolean {
    if (this.gaveUp) return false;
    try {
      return this.step(false) && this.read < this.src.length;
    } catch {
      // An error or a doubt: the usual parse of the whole file will say what it is.
      this.giveUp();
      return false;
    }
  }

  /**
   * Reads about STEP_BYTES more (more when no line ends in them): up to the last line end, or to
   * the end when `final`. False when there was nothing to read yet. Throws as the scan does, and
   * ByteScanUnsure when the file is not UTF-8 after all.
   */
  private step(final: boolean): boolean {
    const src = this.src;
    const length = src.length;
    const from = this.scan ? this.scan.position : 0;
    let span = STEP_BYTES;
    for (;;) {
      const upTo = Math.min(length, this.read + span);
      const { bytes, base } = src.window(from, upTo);
      const end = final && upTo === length ? upTo : base + bytes.lastIndexOf(10, upTo - base - 1) + 1;
      if (end <= this.read && upTo < length) {
        span *= 2; // a line longer than a step
        continue;
      }
      if (end <= this.read && !final) return false;
      const part = bytes.subarray(0, end - base);
      // begin() checks its part is UTF-8 (detectEncoding); each later part is checked here, so
      // that what the guess assumed of the start holds for the whole file. A part ends at a line
      // end, which never falls inside a UTF-8 character.
      const starting = !this.scan;
      if (starting && !this.begin(part, end)) return false;
      if (!starting && this.checkUtf8 && !isUtf8(part.subarray(this.read - base))) throw new ByteScanUnsure('not UTF-8');
      this.scan!.advance(part, base, final);
      this.read = end;
      return true;
    }
  }

  /**
   * The whole file is in and `format` is what detection said: the parse, or null when it has to
   * start again the usual way (blocks handed out by then are declared void with onBlock(null)).
   * Throws the parse's own error (413 for too many rows, say), as the usual parse would.
   */
  finish(format: DatasetFormat, opts: IngestOptions): IngestResult | null {
    const scan = this.scan;
    if (!scan || this.gaveUp || (format !== 'csv' && format !== 'tsv') || !this.sameOptions(opts)) return null;
    const onBlock = opts.onBlock;
    // Blocks nobody asked for stay here until the upload lets go of them (dropBlocks).
    if (onBlock) for (const block of this.early.splice(0)) onBlock(block);
    scan.listen(opts.onProgress, onBlock ?? undefined, opts.distinctFromBlocks);
    let parsed: ReturnType<GrowingScan['finish']>;
    try {
      // The rest a step at a time (never the whole file in one window), then the last line.
      while (this.read < this.src.length && this.step(false));
      this.step(true);
      parsed = scan.finish();
    } catch (err) {
      if (!(err instanceof ByteScanUnsure)) throw err;
      onBlock?.(null);
      return null;
    }
    opts.onProgress?.(1);
    return { format: this.delimiter === '\t' ? 'tsv' : 'csv', encoding: 'utf-8', delimiter: this.delimiter, sheets: null, ...parsed };
  }

  /** Sets the scan up on the first `end` bytes; false (for now or for good) when it cannot start. */
  private begin(bytes: Uint8Array, end: number): boolean {
    if (end < START_BYTES && end < this.total) return false;
    const head = bytes.subarray(0, end);
    if (detectEncoding(head) !== 'utf-8') return this.giveUp();
    // After a UTF-8 byte order mark the file counts as UTF-8 whatever follows (detectEncoding).
    this.checkUtf8 = !(head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf);
    const start = bomsLength(head);
    if (isBlankUtf8(head, start)) return this.giveUp();
    const sample = sampleText(head, start);
    const first = sample.search(/\S/);
    // JSON (the usual parse decides the rest: binary files, one-column files...).
    if (sample[first] === '{' || sample[first] === '[') return this.giveUp();
    this.delimiter = sniffDelimiter(sample, this.filename);
    this.scan = new GrowingScan(
      {
        start,
        delimiter: this.delimiter,
        header: true,
        limits: this.limits,
        decimalComma: this.delimiter === ';',
        capacity: estimateRows(head, this.limits.maxRows, this.total),
        onBlock: (block) => this.early.push(block),
      },
      this.total,
      (from, to) => this.src.copy(from, to),
    );
    return true;
  }

  private sameOptions(opts: IngestOptions): boolean {
    const l = opts.limits;
    return opts.filename === this.filename && opts.header === true && normalizeDelimiter(opts.delimiter) === undefined &&
      opts.encoding === undefined && l.maxRows === this.limits.maxRows && l.maxColumns === this.limits.maxColumns &&
      l.maxCellBytes === this.limits.maxCellBytes;
  }

  /** Lets go of the blocks read early that nobody took (the upload ended, or went another way). */
  dropBlocks(): void {
    for (const block of this.early.splice(0)) block.release?.();
  }

  private giveUp(): false {
    this.gaveUp = true;
    this.scan = null;
    this.dropBlocks();
    return false;
  }
}
