// Distinct non-missing values counted exactly through integers, all at once or as rows come (the
// blocks of a parse, counted on another thread while it goes on).
//
// Each value v maps to r = round(v·10^scale) (dates: days, scale -1), kept only when r/10^scale
// gives v back: then r determines v, so distinct r are distinct values. Quantities, ids, dates,
// booleans and prices or amounts with a few decimals have a small range of r: a bitmap (one bit per
// r) counts them in one pass, where a hash table sized for every row (countDistinct) misses the
// cache on each value (a 4-decimal amount column of 1M rows: about 25 ms against 40-140 ms). The
// bitmap grows (at least doubling) as values fall outside it; past the range limit the caller counts
// another way.
//
// A bitmap wider than the processor's second-level cache misses it on almost every value, the more
// so while another thread streams memory (the parse): the benchmark's 4-decimal amount column (a
// 12.5 MB bitmap) took 85 ms per upload to count from blocks, about 20 ms alone. So past CACHED_BITS
// the counter keeps the values instead, sorted into parts of CACHED_BITS consecutive ones
// (RangeParts), and counts them part by part with one small bitmap when asked.

import { presentValues, type ColumnType } from '../column.js';
import { countDistinct } from './distinct.js';

const POW10 = Float64Array.of(1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15);
const DAY_MS = 86_400_000;
/** Largest integer range counted with a bitmap (bits: 4 MB), whatever the row count. */
const BITMAP_BITS = 1 << 25;
/** ...or this many bits per row (16 bytes: twice the column, and only while counting). */
const BITMAP_BITS_PER_VALUE = 128;
/** Widest bitmap kept (512 KB: half the second-level cache of the machines measured); see RangeParts. */
const CACHED_BITS = 1 << 22;
/** Values converted at a time for the parts (a scratch of 512 KB). */
const SLICE = 1 << 16;

export class ScaledDistinct {
  /** Decimals the values are counted at (-1: dates, counted in days). */
  readonly scale: number;
  private readonly limit: number;
  /** The bitmap covers r in [lo, lo + 32·words.length); lo only moves by whole words. */
  private lo = 0;
  private words = new Int32Array(0);
  private counted = 0;
  private failed = false;
  /** The values themselves, once their range outgrew CACHED_BITS (the bitmap is let go then). */
  private parts: RangeParts | null = null;
  /** r of a slice of values on their way to the parts (NaN: missing). */
  private slice: Float64Array | null = null;

  /**
   * `rows`: how many rows the column has, or is expected to have (sets the range limit). `maxBits`:
   * a lower limit, for counters that live side by side (block-distinct.ts).
   */
  constructor(scale: number, rows: number, maxBits = 2 ** 31) {
    this.scale = scale;
    this.limit = Math.min(Math.max(BITMAP_BITS, BITMAP_BITS_PER_VALUE * rows), 2 ** 31, maxBits);
  }

  /** Distinct values so far. */
  get count(): number {
    return this.parts ? this.parts.count() : this.counted;
  }

  /** Counts `values` in; false (now and from then on) when a value cannot be counted this way. */
  add(values: Float64Array): boolean {
    if (this.failed) return false;
    if (this.parts) return this.addToParts(values, 0);
    const scale = this.scale;
    const mul = scale < 0 ? 1 / DAY_MS : POW10[scale];
    const div = scale < 0 ? DAY_MS : POW10[scale];
    let lo = this.lo;
    let words = this.words;
    let count = this.counted;
    const n = values.length;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v !== v) continue;
      const r = Math.round(v * mul);
      if ((scale < 0 ? r * div : r / div) !== v) return this.fail();
      let at = r - lo;
      if (at < 0 || at >= 32 * words.length) {
        if (!this.cover(r, lo, words)) return this.fail();
        if (this.parts) return this.addToParts(values, i);
        lo = this.lo;
        words = this.words;
        at = r - lo;
      }
      // Set the bit, and count it when it was not set (without a branch: for columns with many
      // different values it would be mispredicted about every other value).
      const w = at >>> 5;
      const old = words[w];
      words[w] = old | (1 << (at & 31));
      count += ((old >>> (at & 31)) & 1) ^ 1;
    }
    this.lo = lo;
    this.words = words;
    this.counted = count;
    return true;
  }

  /**
   * Counts in values already scaled: r itself, as a stored chunk holds it (whole numbers at scale 0,
   * days at -1, 'decN' chunks at N), `missing` marking a missing one. Nothing to check or round.
   * The bitmap part of the loop is add's, written out again: kept in locals, not behind a call per
   * value, it is what makes counting cheap (a shared helper function for the bit made counting 8
   * columns of 1M rows 15% slower, 28.6 → 33.0 ms, best of 15).
   */
  addScaled(scaled: Int32Array, missing: number): boolean {
    if (this.failed) return false;
    if (this.parts) return this.addScaledToParts(scaled, missing, 0);
    let lo = this.lo;
    let words = this.words;
    let count = this.counted;
    const n = scaled.length;
    for (let i = 0; i < n; i++) {
      const r = scaled[i];
      if (r === missing) continue;
      let at = r - lo;
      if (at < 0 || at >= 32 * words.length) {
        if (!this.cover(r, lo, words)) return this.fail();
        if (this.parts) return this.addScaledToParts(scaled, missing, i);
        lo = this.lo;
        words = this.words;
        at = r - lo;
      }
      // Set the bit, and count it when it was not set (without a branch: for columns with many
      // different values it would be mispredicted about every other value).
      const w = at >>> 5;
      const old = words[w];
      words[w] = old | (1 << (at & 31));
      count += ((old >>> (at & 31)) & 1) ^ 1;
    }
    this.lo = lo;
    this.words = words;
    this.counted = count;
    return true;
  }

  /** add() once the values go to the parts: from values[from] on, a slice at a time. */
  private addToParts(values: Float64Array, from: number): boolean {
    const scale = this.scale;
    const mul = scale < 0 ? 1 / DAY_MS : POW10[scale];
    const div = scale < 0 ? DAY_MS : POW10[scale];
    const slice = (this.slice ??= new Float64Array(SLICE));
    for (let start = from; start < values.length; start += SLICE) {
      const n = Math.min(SLICE, values.length - start);
      for (let i = 0; i < n; i++) {
        const v = values[start + i];
        const r = Math.round(v * mul);
        // NaN (missing) passes as NaN.
        if (v === v && (scale < 0 ? r * div : r / div) !== v) return this.fail();
        slice[i] = r;
      }
      if (!this.parts!.add(slice, n)) return this.fail();
    }
    return true;
  }

  /** addScaled() once the values go to the parts: from scaled[from] on, a slice at a time. */
  private addScaledToParts(scaled: Int32Array, missing: number, from: number): boolean {
    const slice = (this.slice ??= new Float64Array(SLICE));
    for (let start = from; start < scaled.length; start += SLICE) {
      const n = Math.min(SLICE, scaled.length - start);
      for (let i = 0; i < n; i++) {
        const r = scaled[start + i];
        slice[i] = r === missing ? NaN : r;
      }
      if (!this.parts!.add(slice, n)) return this.fail();
    }
    return true;
  }

  /**
   * Grows the bitmap (at least doubling, on the side r came from) so that it covers r; false past
   * the range limit. `lo` and `words` are the caller's current ones (it keeps them in locals).
   */
  private cover(r: number, lo: number, words: Int32Array): boolean {
    if (r < -(2 ** 52) || r > 2 ** 52) return false; // r - lo stays exact below that
    const empty = words.length === 0;
    const hi = lo + 32 * words.length - 1;
    const needed = empty ? 1 : Math.max(hi, r) - Math.min(lo, r) + 1;
    if (needed > this.limit) return false;
    const bits = Math.min(this.limit, Math.max(needed, 2 * 32 * words.length, 8192));
    if (bits > CACHED_BITS) return this.toParts(lo, words);
    const size = Math.ceil(bits / 32);
    const grown = new Int32Array(size);
    // Room on the side the value came from (both sides for the first value).
    const shift = empty ? 0 : r < lo ? grown.length - words.length : 0;
    if (!empty) grown.set(words, shift);
    this.lo = empty ? r - 32 * (size >> 1) : lo - 32 * shift;
    this.words = grown;
    return true;
  }

  /** Moves the values counted so far (each once: the bitmap's bits) to parts, which take the rest. */
  private toParts(lo: number, words: Int32Array): true {
    const parts = new RangeParts(this.limit);
    const slice = (this.slice ??= new Float64Array(SLICE));
    let n = 0;
    for (let w = 0; w < words.length; w++) {
      for (let word = words[w]; word !== 0; word &= word - 1) {
        slice[n++] = lo + 32 * w + (31 - Math.clz32(word & -word));
        if (n === SLICE) {
          parts.add(slice, n);
          n = 0;
        }
      }
    }
    parts.add(slice, n);
    this.parts = parts;
    this.words = new Int32Array(0);
    return true;
  }

  private fail(): false {
    this.failed = true;
    this.words = new Int32Array(0);
    this.parts = null;
    return false;
  }
}

const NO_VALUES = new Int32Array(0);

/**
 * Whole numbers kept in parts of CACHED_BITS consecutive values (each as its offset in its part), so
 * that counting them sets bits in one CACHED_BITS bitmap at a time, which stays in cache. Adding a
 * value writes it at the end of its part: a few dozen places in all, where a wide bitmap has one
 * place per value. Duplicates are kept (a 1M-row column takes 4-8 MB, a 1e8-value bitmap 12.5 MB).
 */
class RangeParts {
  /** The part number of parts[0]: part p holds the values in [p·CACHED_BITS, (p+1)·CACHED_BITS). */
  private first = 0;
  private parts: Int32Array[] = [];
  private lens = new Int32Array(0);
  private min = Infinity;
  private max = -Infinity;
  /** The count, once asked for and until values are added (-1). */
  private counted = -1;

  /** `limit`: the widest range (max - min + 1) taken. */
  constructor(private readonly limit: number) {}

  /** Adds rs[0..n) (whole numbers; NaN: missing); false when their range is then wider than the limit. */
  add(rs: Float64Array, n: number): boolean {
    this.counted = -1;
    let first = this.first;
    let parts = this.parts;
    let lens = this.lens;
    let min = this.min;
    let max = this.max;
    for (let i = 0; i < n; i++) {
      const r = rs[i];
      if (r !== r) continue;
      if (r < min) min = r;
      if (r > max) max = r;
      const p = Math.floor(r / CACHED_BITS);
      let k = p - first;
      if (k < 0 || k >= parts.length) {
        // Past 2^52, r - p·CACHED_BITS would not be exact.
        if (max - min >= this.limit || r < -(2 ** 52) || r > 2 ** 52) return false;
        this.reach(p);
        first = this.first;
        parts = this.parts;
        lens = this.lens;
        k = p - first;
      }
      let part = parts[k];
      const len = lens[k];
      if (len === part.length) {
        const grown = new Int32Array(Math.max(4096, 2 * len));
        grown.set(part);
        part = parts[k] = grown;
      }
      part[len] = r - p * CACHED_BITS;
      lens[k] = len + 1;
    }
    this.min = min;
    this.max = max;
    return max - min < this.limit;
  }

  /** Makes room for part p (the parts are a dense run from `first`). */
  private reach(p: number): void {
    const from = this.parts.length === 0 ? p : Math.min(this.first, p);
    const to = this.parts.length === 0 ? p : Math.max(this.first + this.parts.length - 1, p);
    const parts: Int32Array[] = new Array<Int32Array>(to - from + 1).fill(NO_VALUES);
    const lens = new Int32Array(to - from + 1);
    for (let k = 0; k < this.parts.length; k++) {
      parts[this.first - from + k] = this.parts[k];
      lens[this.first - from + k] = this.lens[k];
    }
    this.first = from;
    this.parts = parts;
    this.lens = lens;
  }

  /** Distinct values: each part's offsets set in one bitmap, cleared again after it. */
  count(): number {
    if (this.counted >= 0) return this.counted;
    const words = new Int32Array(CACHED_BITS / 32);
    let count = 0;
    for (let k = 0; k < this.parts.length; k++) {
      const part = this.parts[k];
      const n = this.lens[k];
      for (let i = 0; i < n; i++) {
        const at = part[i];
        const w = at >>> 5;
        const old = words[w];
        words[w] = old | (1 << (at & 31));
        count += ((old >>> (at & 31)) & 1) ^ 1;
      }
      for (let i = 0; i < n; i++) words[part[i] >>> 5] = 0;
    }
    this.counted = count;
    return count;
  }
}

/** Distinct non-missing values of a whole column counted this way, or -1 when it does not apply. */
export function distinctScaled(values: Float64Array, scale: number): number {
  const counter = new ScaledDistinct(scale, values.length);
  return counter.add(values) ? counter.count : -1;
}

/** Distinct non-missing values of a whole column: through integers where that applies, else by hashing. */
export function countValuesDistinct(values: Float64Array, scale: number): number {
  const scaled = distinctScaled(values, scale);
  return scaled >= 0 ? scaled : countDistinct(presentValues(values));
}

/** The scale a column of this type is counted at, given the most decimals its values had. */
export function countingScale(type: ColumnType, decimals: number): number {
  return type === 'date' ? -1 : type === 'number' ? decimals : 0;
}
