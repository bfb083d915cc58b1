import { describe, expect, test } from '@jest/globals';
import { quantileSorted } from '../../src/core/stats/quantile.js';

describe('quantileSorted', () => {
  test('when p is between two values, then it interpolates linearly (numpy type 7)', () => {
    // numpy.quantile([1, 2, 3, 4], [0.25, 0.5, 0.75]) == [1.75, 2.5, 3.25]
    const sorted = Float64Array.from([1, 2, 3, 4]);
    expect([0.25, 0.5, 0.75].map((p) => quantileSorted(sorted, p))).toEqual([1.75, 2.5, 3.25]);
  });
  test('when there are no values, then null', () => {
    expect(quantileSorted(new Float64Array(0), 0.5)).toBeNull();
  });
});
