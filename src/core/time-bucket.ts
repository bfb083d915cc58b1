// UTC time buckets for group-by and charts: the start of the year / quarter / month / ISO week
// (Monday) / day / hour containing an instant, from epoch milliseconds. Pure and allocation-free
// per value: a day → month/quarter/year lookup table covers 1900–2199; outside that range the
// civil date is computed arithmetically (Hinnant's days-from-civil), so every instant works.

export const TIME_UNITS = ['year', 'quarter', 'month', 'week', 'day', 'hour'] as const;
export type TimeUnit = (typeof TIME_UNITS)[number];

export const isTimeUnit = (s: string): s is TimeUnit => (TIME_UNITS as readonly string[]).includes(s);

const MS_PER_DAY = 86_400_000;
const MS_PER_HOUR = 3_600_000;

/** Days since 1970-01-01 of the civil date y-m-d (m 1..12), proleptic Gregorian (Hinnant). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Civil year and month (1..12) of a day number (Hinnant's civil-from-days). */
function civilFromDays(z: number): { y: number; m: number } {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m };
}

// Lookup tables: for each day in [TABLE_FIRST, TABLE_FIRST + TABLE_DAYS), the day number of the
// start of its month, quarter and year. 109,572 days × 3 × 4 bytes ≈ 1.3 MB, built on first use.
const TABLE_FIRST = daysFromCivil(1900, 1, 1);
const TABLE_END = daysFromCivil(2200, 1, 1);
const TABLE_DAYS = TABLE_END - TABLE_FIRST;
let monthStart: Int32Array | null = null;
let quarterStart: Int32Array | null = null;
let yearStart: Int32Array | null = null;

function buildTables(): void {
  monthStart = new Int32Array(TABLE_DAYS);
  quarterStart = new Int32Array(TABLE_DAYS);
  yearStart = new Int32Array(TABLE_DAYS);
  for (let y = 1900; y < 2200; y++) {
    const ys = daysFromCivil(y, 1, 1);
    for (let m = 1; m <= 12; m++) {
      const ms = daysFromCivil(y, m, 1);
      const me = m === 12 ? daysFromCivil(y + 1, 1, 1) : daysFromCivil(y, m + 1, 1);
      const qs = daysFromCivil(y, m - ((m - 1) % 3), 1);
      for (let d = ms; d < me; d++) {
        const i = d - TABLE_FIRST;
        monthStart[i] = ms;
        quarterStart[i] = qs;
        yearStart[i] = ys;
      }
    }
  }
}

function startDaySlow(unit: 'year' | 'quarter' | 'month', day: number): number {
  const { y, m } = civilFromDays(day);
  if (unit === 'year') return daysFromCivil(y, 1, 1);
  if (unit === 'quarter') return daysFromCivil(y, m - ((m - 1) % 3), 1);
  return daysFromCivil(y, m, 1);
}

/** Units whose buckets are whole UTC days (all but `hour`): a bucket follows from the day number alone. */
export type DayUnit = Exclude<TimeUnit, 'hour'>;
export const isDayUnit = (u: TimeUnit): u is DayUnit => u !== 'hour';

/** The day number of the start of the bucket containing day number `day` (a day unit). */
export function bucketStartDay(unit: DayUnit, day: number): number {
  switch (unit) {
    case 'day':
      return day;
    case 'week':
      // (day + 3) mod 7 is 0 on Mondays: day 0 (Thursday) → 3.
      return day - ((((day + 3) % 7) + 7) % 7);
    default: {
      const i = day - TABLE_FIRST;
      if (i >= 0 && i < TABLE_DAYS) {
        if (monthStart === null) buildTables();
        const t = unit === 'month' ? monthStart! : unit === 'quarter' ? quarterStart! : yearStart!;
        return t[i];
      }
      return startDaySlow(unit, day);
    }
  }
}

/**
 * The UTC start (epoch ms) of the bucket containing `ms`. NaN (missing) stays NaN.
 * Weeks are ISO weeks: they start on Monday (1970-01-01 was a Thursday).
 */
export function bucketStart(unit: TimeUnit, ms: number): number {
  if (ms !== ms) return NaN;
  if (unit === 'hour') return Math.floor(ms / MS_PER_HOUR) * MS_PER_HOUR;
  return bucketStartDay(unit, Math.floor(ms / MS_PER_DAY)) * MS_PER_DAY;
}

/** The day number (days since 1970-01-01 UTC) of an instant in epoch ms. */
export const dayOf = (ms: number): number => Math.floor(ms / MS_PER_DAY);

/** bucketStart over a whole column (or the selected rows, in their order). */
export function bucketColumn(unit: TimeUnit, values: Float64Array, rows?: Int32Array | null): Float64Array {
  const n = rows ? rows.length : values.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = bucketStart(unit, values[rows ? rows[i] : i]);
  return out;
}

/** The start of the bucket after the one starting at `start` (for filling empty buckets in charts). */
export function nextBucketStart(unit: TimeUnit, start: number): number {
  switch (unit) {
    case 'hour':
      return start + MS_PER_HOUR;
    case 'day':
      return start + MS_PER_DAY;
    case 'week':
      return start + 7 * MS_PER_DAY;
    default: {
      const { y, m } = civilFromDays(Math.floor(start / MS_PER_DAY));
      const step = unit === 'month' ? 1 : unit === 'quarter' ? 3 : 12;
      const m0 = m - 1 + step;
      return daysFromCivil(y + Math.floor(m0 / 12), (m0 % 12) + 1, 1) * MS_PER_DAY;
    }
  }
}

/** A bucket start as the API returns it: `YYYY-MM-DD`, or a full ISO datetime for `hour`. */
export function formatBucket(unit: TimeUnit, start: number): string {
  const iso = new Date(start).toISOString();
  return unit === 'hour' ? iso : iso.slice(0, 10);
}
