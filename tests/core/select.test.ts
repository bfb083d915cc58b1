import { describe, expect, test } from '@jest/globals';
import { medianInPlace, quantilesInPlace } from '../../src/core/stats/select.js';

describe('quantilesInPlace', () => {
  test('when only the first value of a larger buffer counts, then values beyond n are ignored', () => {
    // simple-statistics' quickselect reads right = 0 as "whole array"; a scratch buffer with stale
    // values past n must not leak into a one-value group's median.
    expect(medianInPlace(Float64Array.from([9, 1, 5, 3]), 1)).toBe(9);
    expect(quantilesInPlace(Float64Array.from([4, -7, 0]), 1, [0.25, 0.75])).toEqual([4, 4]);
  });
  test('when p falls between order statistics, then it interpolates as numpy (type 7)', () => {
    // numpy.quantile([3, 1, 4, 1, 5], [0.1, 0.5, 0.9]) == [1.0, 3.0, 4.6]
    const q = quantilesInPlace(Float64Array.from([3, 1, 4, 1, 5]), 5, [0.1, 0.5, 0.9]);
    expect(q[0]).toBe(1);
    expect(q[1]).toBe(3);
    expect(q[2]).toBeCloseTo(4.6, 14);
  });
  test('when there are no values, then null', () => {
    expect(quantilesInPlace(new Float64Array(3), 0, [0.5])).toEqual([null]);
  });
});
