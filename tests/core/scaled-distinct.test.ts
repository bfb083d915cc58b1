// Distinct values counted through integers (core/stats/scaled-distinct.ts): the count of a column
// fed in pieces (a parse's blocks) is the count of the whole, and both are the number of different
// values (a JS Set is the reference), or the counter says it cannot count them exactly.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { distinctScaled, ScaledDistinct } from '../../src/core/stats/scaled-distinct.js';

const DAY = 86_400_000;

/** Different non-missing values, -0 and 0 being one (as pandas counts them). */
function reference(values: number[]): number {
  return new Set(values.filter((v) => v === v).map((v) => v + 0)).size;
}

describe('counting distinct values through integers', () => {
  test('a few cases: decimals, dates in days, missing values, values that cannot be counted this way', () => {
    expect(distinctScaled(Float64Array.of(1.25, 1.5, 1.25, NaN, -0.75), 2)).toBe(3);
    expect(distinctScaled(Float64Array.of(0, -0, NaN, NaN), 0)).toBe(1);
    expect(distinctScaled(Float64Array.of(NaN), 0)).toBe(0);
    expect(distinctScaled(Float64Array.of(3 * DAY, -40 * DAY, 3 * DAY), -1)).toBe(2);
    // More decimals than the scale: r/10^scale does not give the value back.
    expect(distinctScaled(Float64Array.of(1.25, 1.255), 2)).toBe(-1);
    // A range wider than the bitmap may cover for so few rows.
    expect(distinctScaled(Float64Array.of(0, 2 ** 40), 0)).toBe(-1);
  });

  test('fed in pieces, the count is the whole column\'s, and the number of different values', () => {
    const scaleAndValues = fc.integer({ min: -1, max: 4 }).chain((scale) => {
      const unit = scale < 0 ? DAY : 10 ** -scale;
      const value = fc.oneof(
        fc.integer({ min: -5000, max: 5000 }).map((k) => (scale < 0 ? k * DAY : Number((k * unit).toFixed(scale)))),
        fc.constant(NaN),
      );
      return fc.tuple(fc.constant(scale), fc.array(value, { maxLength: 400 }), fc.array(fc.nat(400), { maxLength: 5 }));
    });
    fc.assert(
      fc.property(scaleAndValues, ([scale, values, cuts]) => {
        const all = Float64Array.from(values);
        const whole = distinctScaled(all, scale);
        const counter = new ScaledDistinct(scale, values.length);
        let from = 0;
        let ok = true;
        for (const cut of [...cuts.map((c) => Math.min(c, values.length)).sort((a, b) => a - b), values.length]) {
          ok = counter.add(all.subarray(from, Math.max(from, cut))) && ok;
          from = Math.max(from, cut);
        }
        expect(ok).toBe(whole >= 0);
        if (ok) expect(counter.count).toBe(whole);
        if (whole >= 0) expect(whole).toBe(reference(values));
      }),
      { numRuns: 300 },
    );
  });

  test('counting the stored whole numbers (a narrow chunk as it is) gives the count of their values', () => {
    const scaled = fc.array(fc.oneof(fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 }), fc.integer({ min: -300, max: 300 }), fc.constant(-(2 ** 31))), { maxLength: 300 });
    fc.assert(
      fc.property(scaled, fc.integer({ min: -1, max: 6 }), (rows, scale) => {
        const stored = Int32Array.from(rows);
        const values = Float64Array.from(rows, (r) => (r === -(2 ** 31) ? NaN : scale < 0 ? r * DAY : r / 10 ** scale));
        const fromValues = new ScaledDistinct(scale, rows.length);
        const fromStored = new ScaledDistinct(scale, rows.length);
        const ok = fromStored.addScaled(stored, -(2 ** 31));
        expect(fromValues.add(values)).toBe(ok);
        if (ok) expect(fromStored.count).toBe(fromValues.count);
      }),
      { numRuns: 300 },
    );
  });

  test('a range too wide for a cached bitmap: the values are kept in parts and counted the same', () => {
    // Ranges of up to 3e7 (the bitmap would be 3.7 MB), reached at once or after narrow pieces.
    const scaleAndValues = fc.integer({ min: -1, max: 4 }).chain((scale) => {
      const unit = scale < 0 ? DAY : 10 ** -scale;
      const around = (from: number) => fc.integer({ min: from - 30, max: from + 30 });
      const k = fc.oneof(fc.integer({ min: -15_000_000, max: 15_000_000 }), around(-15_000_000), around(15_000_000), around(0), around(4_194_304));
      const value = fc.oneof(k.map((i) => (scale < 0 ? i * DAY : Number((i * unit).toFixed(scale)))), fc.constant(NaN));
      return fc.tuple(fc.constant(scale), fc.array(value, { maxLength: 300 }), fc.array(fc.nat(300), { maxLength: 5 }));
    });
    fc.assert(
      fc.property(scaleAndValues, ([scale, values, cuts]) => {
        const all = Float64Array.from(values);
        const counter = new ScaledDistinct(scale, 1_000_000);
        const stored = new ScaledDistinct(scale, 1_000_000);
        let from = 0;
        for (const cut of [...cuts.map((c) => Math.min(c, values.length)).sort((a, b) => a - b), values.length]) {
          const piece = all.subarray(from, Math.max(from, cut));
          expect(counter.add(piece)).toBe(true);
          const scaled = Int32Array.from(piece, (v) => (v !== v ? -(2 ** 31) : Math.round(scale < 0 ? v / DAY : v * 10 ** scale)));
          expect(stored.addScaled(scaled, -(2 ** 31))).toBe(true);
          from = Math.max(from, cut);
          // Asked between pieces, as well as at the end.
          expect(counter.count).toBe(reference(values.slice(0, from)));
        }
        expect(stored.count).toBe(reference(values));
      }),
      { numRuns: 300 },
    );
    // Parts holding many values (their bitmap is then cleared whole between parts), each value twice.
    const many = Array.from({ length: 30_000 }, (_, i) => (i * 7919) % 12_000_000);
    const full = new ScaledDistinct(0, 60_000);
    expect(full.add(Float64Array.from([...many, ...many.reverse()]))).toBe(true);
    expect(full.count).toBe(reference(many));
    // Past the range limit (2^25 for so few rows) the parts give up as the bitmap did.
    const wide = new ScaledDistinct(0, 10);
    expect(wide.add(Float64Array.of(0, 20_000_000))).toBe(true);
    expect(wide.count).toBe(2);
    expect(wide.add(Float64Array.of(-20_000_000))).toBe(false);
    expect(wide.add(Float64Array.of(1))).toBe(false);
  });

  test('a counter given fewer bits gives up on a range wider than them', () => {
    const narrow = new ScaledDistinct(0, 1_000_000, 4096);
    expect(narrow.add(Float64Array.of(0, 100, 2000))).toBe(true);
    expect(narrow.add(Float64Array.of(100_000))).toBe(false);
    // The default limit for a million rows takes that range.
    expect(new ScaledDistinct(0, 1_000_000).add(Float64Array.of(0, 100, 4000, 100_000))).toBe(true);
  });

  test('a counter that could not count stays so (the caller counts another way)', () => {
    const counter = new ScaledDistinct(0, 10);
    expect(counter.add(Float64Array.of(1, 2))).toBe(true);
    expect(counter.add(Float64Array.of(2.5))).toBe(false);
    expect(counter.add(Float64Array.of(3))).toBe(false);
  });
});
