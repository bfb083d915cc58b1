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
// A bitmap wider than the processor's second-level cache misses it on almost every value. So past
// CACHED_BITS the counter keeps the values instead, sorted into parts of CACHED_BITS consecutive
// ones (RangeParts), and counts them part by part with one small bitmap when asked. For the
// benchmark's 4-decimal amount column (1e8 possible values: a 12.5 MB bitmap) the parts take 4-8 MB;
// in the server (A/B, 18 uploads of the 1M-row file each) the peak memory was 6 MB lower and the
// request thread used 20 ms less CPU, for the same upload time; the count itself comes when asked,
// at the end of the parse (5.5 ms for that column, alone).

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

// The loops over values are plain functions of typed arrays and numbers, not methods: V8 drops a
// method's optimized code once the last object of its class is gone (its hidden class goes with it),
// so counters made per upload had their loops compiled again for every upload (about 12
// compilations, 100 ms of a helper thread's time per upload of the 1M-row file, with the counting
// running unoptimized meanwhile). Typed arrays' hidden classes never go.

/** The loops' second answer, so that nothing is allocated per call: new bits set / smallest and largest value. */
const SET = new Float64Array(1);
const RANGE = new Float64Array(2);

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
    const scale = this.scale;
    const mul = scale < 0 ? 1 / DAY_MS : POW10[scale];
    const div = scale < 0 ? DAY_MS : POW10[scale];
    let i = 0;
    while (!this.parts) {
      i = setValueBits(values, i, mul, div, scale < 0, this.words, this.lo);
      this.counted += SET[0];
      if (i === values.length) return true;
      // A value the bitmap does not cover, or one that r does not give back.
      const v = values[i];
      const r = Math.round(v * mul);
      if ((scale < 0 ? r * div : r / div) !== v || !this.cover(r)) return this.fail();
    }
    const slice = (this.slice ??= new Float64Array(SLICE));
    for (; i < values.length; i += SLICE) {
      const n = Math.min(SLICE, values.length - i);
      if (!scaleValues(values, i, n, mul, div, scale < 0, slice) || !this.parts.add(slice, n)) return this.fail();
    }
    return true;
  }

  /**
   * Counts in values already scaled: r itself, as a stored chunk holds it (whole numbers at scale 0,
   * days at -1, 'decN' chunks at N), `missing` marking a missing one. Nothing to check or round.
   */
  addScaled(scaled: Int32Array, missing: number): boolean {
    if (this.failed) return false;
    let i = 0;
    while (!this.parts) {
      i = setScaledBits(scaled, i, missing, this.words, this.lo);
      this.counted += SET[0];
      if (i === scaled.length) return true;
      if (!this.cover(scaled[i])) return this.fail();
    }
    const slice = (this.slice ??= new Float64Array(SLICE));
    for (; i < scaled.length; i += SLICE) {
      const n = Math.min(SLICE, scaled.length - i);
      widenScaled(scaled, i, n, missing, slice);
      if (!this.parts.add(slice, n)) return this.fail();
    }
    return true;
  }

  /**
   * Grows the bitmap (at least doubling, on the side r came from) so that it covers r, or moves to
   * parts when that bitmap would be wider than CACHED_BITS; false past the range limit.
   */
  private cover(r: number): boolean {
    if (r < -(2 ** 52) || r > 2 ** 52) return false; // r - lo stays exact below that
    const { lo, words } = this;
    const empty = words.length === 0;
    const hi = lo + 32 * words.length - 1;
    const needed = empty ? 1 : Math.max(hi, r) - Math.min(lo, r) + 1;
    if (needed > this.limit) return false;
    const bits = Math.min(this.limit, Math.max(needed, 2 * 32 * words.length, 8192));
    if (bits > CACHED_BITS) return this.toParts();
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
  private toParts(): true {
    const parts = new RangeParts(this.limit);
    const slice = (this.slice ??= new Float64Array(SLICE));
    const { lo, words } = this;
    for (let w = 0; w < words.length; ) {
      w = bitsToValues(words, w, lo, slice);
      parts.add(slice, SET[0]);
    }
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

/**
 * Sets the bits of r = round(v·mul) for values[from..] in `words` (bit k is r = lo + k), counting
 * the ones not set before in SET[0]. Stops at the first value outside the bitmap, or that r does not
 * give back (r / div, or r · div for days): returns its index (values.length when none).
 */
function setValueBits(values: Float64Array, from: number, mul: number, div: number, days: boolean, words: Int32Array, lo: number): number {
  const bits = 32 * words.length;
  let count = 0;
  let i = from;
  for (; i < values.length; i++) {
    const v = values[i];
    if (v !== v) continue;
    const r = Math.round(v * mul);
    if ((days ? r * div : r / div) !== v) break;
    const at = r - lo;
    if (at < 0 || at >= bits) break;
    // Set the bit, and count it when it was not set (without a branch: for columns with many
    // different values it would be mispredicted about every other value).
    const w = at >>> 5;
    const old = words[w];
    words[w] = old | (1 << (at & 31));
    count += ((old >>> (at & 31)) & 1) ^ 1;
  }
  SET[0] = count;
  return i;
}

/**
 * setValueBits for values already scaled (`missing` marks a missing one): nothing to check or round.
 * The bit lines are setValueBits', written out again: kept in one loop, not behind a call per value,
 * they are what makes counting cheap (a shared helper function for the bit made counting 8 columns
 * of 1M rows 15% slower, 28.6 → 33.0 ms, best of 15).
 */
function setScaledBits(scaled: Int32Array, from: number, missing: number, words: Int32Array, lo: number): number {
  const bits = 32 * words.length;
  let count = 0;
  let i = from;
  for (; i < scaled.length; i++) {
    const r = scaled[i];
    if (r === missing) continue;
    const at = r - lo;
    if (at < 0 || at >= bits) break;
    const w = at >>> 5;
    const old = words[w];
    words[w] = old | (1 << (at & 31));
    count += ((old >>> (at & 31)) & 1) ^ 1;
  }
  SET[0] = count;
  return i;
}

/** r of values[from..from+n) into `out` (NaN stays NaN); false when one does not give its value back. */
function scaleValues(values: Float64Array, from: number, n: number, mul: number, div: number, days: boolean, out: Float64Array): boolean {
  for (let i = 0; i < n; i++) {
    const v = values[from + i];
    const r = Math.round(v * mul);
    if (v === v && (days ? r * div : r / div) !== v) return false;
    out[i] = r;
  }
  return true;
}

/** scaled[from..from+n) into `out`, missing as NaN. */
function widenScaled(scaled: Int32Array, from: number, n: number, missing: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const r = scaled[from + i];
    out[i] = r === missing ? NaN : r;
  }
}

/** The values whose bits are set in words[from..], until `out` is full: their count in SET[0], the next word returned. */
function bitsToValues(words: Int32Array, from: number, lo: number, out: Float64Array): number {
  let n = 0;
  let w = from;
  // A word has at most 32 bits: stop while all of the next one fits.
  for (; w < words.length && n <= out.length - 32; w++) {
    for (let word = words[w]; word !== 0; word &= word - 1) out[n++] = lo + 32 * w + (31 - Math.clz32(word & -word));
  }
  SET[0] = n;
  return w;
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
    let i = 0;
    for (;;) {
      RANGE[0] = this.min;
      RANGE[1] = this.max;
      i = spread(rs, i, n, this.parts, this.lens, this.first);
      this.min = RANGE[0];
      this.max = RANGE[1];
      if (i === n) return this.max - this.min < this.limit;
      // A value in a part not made yet. Past 2^52, r - p·CACHED_BITS would not be exact.
      const r = rs[i];
      if (Math.max(this.max, r) - Math.min(this.min, r) >= this.limit || r < -(2 ** 52) || r > 2 ** 52) return false;
      this.reach(Math.floor(r / CACHED_BITS));
    }
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
    if (this.counted < 0) this.counted = countParts(this.parts, this.lens);
    return this.counted;
  }
}

/**
 * Writes rs[from..n) (NaN: missing) at the end of their parts, the range seen kept in RANGE. Stops
 * at the first value whose part is not among `parts` (starting at part number `first`): returns its
 * index (n when none).
 */
function spread(rs: Float64Array, from: number, n: number, parts: Int32Array[], lens: Int32Array, first: number): number {
  let min = RANGE[0];
  let max = RANGE[1];
  let i = from;
  for (; i < n; i++) {
    const r = rs[i];
    if (r !== r) continue;
    const p = Math.floor(r / CACHED_BITS);
    const k = p - first;
    if (k < 0 || k >= parts.length) break;
    if (r < min) min = r;
    if (r > max) max = r;
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
  RANGE[0] = min;
  RANGE[1] = max;
  return i;
}

function countParts(parts: Int32Array[], lens: Int32Array): number {
  const words = new Int32Array(CACHED_BITS / 32);
  let count = 0;
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k];
    const n = lens[k];
    for (let i = 0; i < n; i++) {
      const at = part[i];
      const w = at >>> 5;
      const old = words[w];
      words[w] = old | (1 << (at & 31));
      count += ((old >>> (at & 31)) & 1) ^ 1;
    }
    // Cleared whole when the part has many values (counting the benchmark's 1M amounts took 5.5 ms
    // so, 9.7 clearing word by word), else word by word.
    if (n > words.length >>> 4) words.fill(0);
    else for (let i = 0; i < n; i++) words[part[i] >>> 5] = 0;
  }
  return count;
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
