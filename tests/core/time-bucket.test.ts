import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { bucketStart, formatBucket, nextBucketStart, TIME_UNITS } from '../../src/core/time-bucket.js';

const ms = (iso: string) => Date.parse(iso);

describe('bucketStart', () => {
  test('when given an instant, then each unit gives the UTC start of its bucket', () => {
    const t = ms('2024-05-15T13:45:12.345Z'); // a Wednesday
    expect(formatBucket('year', bucketStart('year', t))).toBe('2024-01-01');
    expect(formatBucket('quarter', bucketStart('quarter', t))).toBe('2024-04-01');
    expect(formatBucket('month', bucketStart('month', t))).toBe('2024-05-01');
    expect(formatBucket('week', bucketStart('week', t))).toBe('2024-05-13');
    expect(formatBucket('day', bucketStart('day', t))).toBe('2024-05-15');
    expect(formatBucket('hour', bucketStart('hour', t))).toBe('2024-05-15T13:00:00.000Z');
  });
  test('when the day is a Sunday or a Monday, then the ISO week starts on that Monday', () => {
    expect(formatBucket('week', bucketStart('week', ms('2024-01-07T23:59:59Z')))).toBe('2024-01-01');
    expect(formatBucket('week', bucketStart('week', ms('2024-01-08T00:00:00Z')))).toBe('2024-01-08');
    expect(formatBucket('week', bucketStart('week', ms('1970-01-01')))).toBe('1969-12-29');
  });
  test('when the instant is before 1970 or outside the lookup table, then it still works', () => {
    expect(formatBucket('month', bucketStart('month', ms('1969-12-31T23:00:00Z')))).toBe('1969-12-01');
    expect(formatBucket('quarter', bucketStart('quarter', ms('1850-08-20')))).toBe('1850-07-01');
    expect(formatBucket('year', bucketStart('year', ms('2400-02-29')))).toBe('2400-01-01');
    expect(formatBucket('month', bucketStart('month', ms('2400-02-29')))).toBe('2400-02-01');
  });
  test('when the value is missing (NaN), then the bucket is NaN', () => {
    for (const u of TIME_UNITS) expect(bucketStart(u, NaN)).toBeNaN();
  });
  test('property: the bucket start matches Date arithmetic and the next bucket follows it', () => {
    const lo = Date.UTC(1800, 0, 1);
    const hi = Date.UTC(2300, 0, 1);
    fc.assert(
      fc.property(fc.integer({ min: lo, max: hi }), fc.constantFrom(...TIME_UNITS), (t, unit) => {
        const d = new Date(t);
        const y = d.getUTCFullYear();
        const m = d.getUTCMonth();
        const expected = {
          year: Date.UTC(y, 0, 1),
          quarter: Date.UTC(y, m - (m % 3), 1),
          month: Date.UTC(y, m, 1),
          week: Date.UTC(y, m, d.getUTCDate() - ((d.getUTCDay() + 6) % 7)),
          day: Date.UTC(y, m, d.getUTCDate()),
          hour: Date.UTC(y, m, d.getUTCDate(), d.getUTCHours()),
        }[unit];
        const s = bucketStart(unit, t);
        expect(s).toBe(expected);
        const next = nextBucketStart(unit, s);
        expect(next).toBeGreaterThan(t);
        expect(bucketStart(unit, next)).toBe(next);
        expect(bucketStart(unit, next - 1)).toBe(s);
      }),
      { numRuns: 3000 },
    );
  });
});
