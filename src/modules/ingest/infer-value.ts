// What one non-missing cell looks like: the type family it belongs to and its stored value.
// The table builder ORs these kinds over a whole column and picks the narrowest type that fits.

/** Kind bits (a column's kind is the OR over its cells). */
export const K_BOOLEAN = 1;
export const K_INTEGER = 2;
export const K_NUMBER = 4;
export const K_DATE = 8;
export const K_DATETIME = 16;
export const K_STRING = 32;
/**
 * A number written with a decimal comma (`1,5`, `-0,25`), recognised only in semicolon-delimited
 * files (see classifyText). A column of these and plain integers is a `number` column; mixed with
 * dot decimals (`1.5`) or anything else it is `string`.
 */
export const K_DECIMAL_COMMA = 64;

import type { ColumnType } from '../../core/column.js';
import { daysFromCivil } from '../../core/time-bucket.js';

export { daysFromCivil };

const NUMERIC = K_INTEGER | K_NUMBER;
const TIME = K_DATE | K_DATETIME;

/** The narrowest column type for the OR of its cells' kinds; a column with no values is `string`. */
export function typeOfKinds(kinds: number): ColumnType {
  // Nothing but missing cells: nothing to infer from, and `string` accepts whatever comes later
  // (a user can still retype the column with PATCH).
  if (kinds === 0 || kinds & K_STRING) return 'string';
  // Decimal commas only with integers: `1,5` next to `1.5` could be 1.5 or fifteen; keep the text.
  if (kinds & K_DECIMAL_COMMA) return (kinds & ~(K_DECIMAL_COMMA | K_INTEGER)) === 0 ? 'number' : 'string';
  if (kinds === K_BOOLEAN) return 'boolean';
  if ((kinds & ~NUMERIC) === 0) return kinds & K_NUMBER ? 'number' : 'integer';
  if ((kinds & ~TIME) === 0) return kinds & K_DATETIME ? 'datetime' : 'date';
  return 'string'; // families mixed (e.g. numbers and dates): text is the only faithful type
}

/** True when a column with these kinds can no longer be anything but `string`. */
export function isStringKinds(kinds: number): boolean {
  return typeOfKinds(kinds) === 'string' && kinds !== 0;
}

const DAY_MS = 86_400_000;

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Epoch ms of a valid calendar date, else NaN. */
export function dateMs(y: number, m: number, d: number): number {
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return NaN;
  return daysFromCivil(y, m, d) * DAY_MS;
}

const MONTHS = new Map<string, number>();
['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november',
  'december'].forEach((name, i) => {
  MONTHS.set(name, i + 1);
  MONTHS.set(name.slice(0, 3), i + 1);
});
MONTHS.set('sept', 9);

// Numbers: optional sign, digits with an optional fraction and exponent, or a bare fraction (".5").
// No thousands separators, no hex, no "inf": those stay text.
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER_RE = /^[+-]?\d+$/;
// A leading zero followed by another digit in the integer part (007, 08123, 01.5): an identifier, not a number.
const LEADING_ZERO_RE = /^[+-]?0\d/;
const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATETIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
// Decimal comma (semicolon files only): digits on both sides, no thousands dots, no exponent.
const DECIMAL_COMMA_RE = /^[+-]?\d+,\d+$/;
const US_DATE_RE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const MON_D_Y_RE = /^([A-Za-z]{3,9})\.? +(\d{1,2}),? +(\d{4})$/;
const D_MON_Y_RE = /^(\d{1,2}) +([A-Za-z]{3,9})\.?,? +(\d{4})$/;

let lastValue = 0;

/** The stored value of the cell last classified by `classifyText` (meaningless for K_STRING). */
export function classifiedValue(): number {
  return lastValue;
}

/**
 * Classifies a non-missing text cell, already trimmed. Returns its kind; its value (number, 1/0, epoch ms)
 * is then in `classifiedValue()` — a module variable instead of an object, so no allocation per cell.
 *
 * `decimalComma` (set for semicolon-delimited files, where Excel in most of Europe writes `1,5`):
 * `[+-]digits,digits` is K_DECIMAL_COMMA with the value read as if the comma were a point. A leading
 * zero before another digit (`01,5`) stays text, as `01.5` does. Thousands separators (`1.234,5`,
 * `1 234,5`) are not taken: they stay text. Comma-delimited files never set it (a comma there is a
 * delimiter or, quoted, a thousands separator: `"1,000"` stays text).
 */
export function classifyText(t: string, decimalComma = false): number {
  const n = t.length;
  if (n === 0) return K_STRING;
  const c = t.charCodeAt(0);
  const isDigit = c >= 48 && c <= 57;
  if (isDigit || c === 45 || c === 43 || c === 46) {
    const fast = scanPlainNumber(t, 0, n);
    if (fast !== 0) return fast;
    if (NUMBER_RE.test(t)) {
      if (LEADING_ZERO_RE.test(t)) return K_STRING;
      const v = Number(t);
      if (INTEGER_RE.test(t) && withinSafeRange(t)) {
        lastValue = v + 0; // -0 → 0: an integer has no negative zero
        return K_INTEGER;
      }
      lastValue = v;
      return Number.isFinite(v) ? K_NUMBER : K_STRING; // "1e999" overflows: keep the text
    }
    if (decimalComma && DECIMAL_COMMA_RE.test(t)) {
      if (LEADING_ZERO_RE.test(t)) return K_STRING;
      lastValue = Number(t.replace(',', '.'));
      return K_DECIMAL_COMMA;
    }
    if (!isDigit) return K_STRING;
    return classifyDate(t);
  }
  const lower = c | 0x20;
  if (lower >= 97 && lower <= 122) {
    if (n === 4 || n === 5) {
      const l = t.toLowerCase();
      if (l === 'true') {
        lastValue = 1;
        return K_BOOLEAN;
      }
      if (l === 'false') {
        lastValue = 0;
        return K_BOOLEAN;
      }
    }
    const m = MON_D_Y_RE.exec(t);
    if (m) {
      const month = MONTHS.get(m[1].toLowerCase());
      if (month !== undefined) return date(+m[3], month, +m[2]);
    }
  }
  return K_STRING;
}

/** Whether integer text (sign, digits, no leading zero) is within ±2^53, compared exactly on the digits. */
function withinSafeRange(t: string): boolean {
  const c = t.charCodeAt(0);
  const digits = c === 45 || c === 43 ? t.slice(1) : t;
  if (digits.length !== 16) return digits.length < 16;
  return digits <= '9007199254740992';
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * The common numbers without regexes: `[+-]digits[.digits]` with at most 15 digits. Then the digits
 * as an integer m are exact in a double, and m / 10^k is the correctly rounded value (as Number()
 * gives). Reads t[start..end) (so the CSV scanner can use it without slicing a string). Returns 0 when
 * the text is anything else (the general path decides), else the kind, with the value in classifiedValue().
 */
export function scanPlainNumber(t: string, start: number, end: number): number {
  const n = end;
  let i = start;
  let c = t.charCodeAt(i);
  const negative = c === 45;
  if (negative || c === 43) i++;
  const first = i;
  let m = 0;
  let digits = 0;
  for (; i < n; i++) {
    c = t.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    m = m * 10 + c;
    digits++;
  }
  const intDigits = digits;
  let scale = 0;
  let dot = false;
  if (i < n && t.charCodeAt(i) === 46) {
    dot = true;
    for (i++; i < n; i++) {
      c = t.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      m = m * 10 + c;
      digits++;
      scale++;
    }
  }
  if (i !== n || digits === 0 || digits > 15) return 0;
  // 007, 08123, 01.5: identifiers, not numbers.
  if (intDigits > 1 && t.charCodeAt(first) === 48) return K_STRING;
  let v = scale === 0 ? m : m / POW10[scale];
  if (negative) v = -v;
  if (!dot) {
    lastValue = v + 0; // -0 → 0: an integer has no negative zero
    return K_INTEGER;
  }
  lastValue = v;
  return K_NUMBER;
}

function date(y: number, m: number, d: number): number {
  const ms = dateMs(y, m, d);
  if (ms !== ms) return K_STRING;
  lastValue = ms;
  return K_DATE;
}

function classifyDate(t: string): number {
  let m = ISO_DATE_RE.exec(t);
  if (m) return date(+m[1], +m[2], +m[3]);
  m = ISO_DATETIME_RE.exec(t);
  if (m) {
    const day = dateMs(+m[1], +m[2], +m[3]);
    const h = +m[4];
    const min = +m[5];
    const s = m[6] === undefined ? 0 : +m[6];
    if (day !== day || h > 23 || min > 59 || s > 59) return K_STRING;
    // Fractions beyond milliseconds are cut (the API returns milliseconds), as Date.parse does.
    const ms = m[7] === undefined ? 0 : +(m[7] + '00').slice(0, 3);
    let offset = 0;
    const z = m[8];
    if (z !== undefined && z !== 'Z' && z !== 'z') {
      const oh = +z.slice(1, 3);
      const om = z.length > 3 ? +z.slice(z.length - 2) : 0;
      if (oh > 23 || om > 59) return K_STRING;
      offset = (z.charCodeAt(0) === 45 ? -1 : 1) * (oh * 60 + om) * 60_000;
    }
    lastValue = day + h * 3_600_000 + min * 60_000 + s * 1000 + ms - offset;
    return K_DATETIME;
  }
  m = US_DATE_RE.exec(t);
  if (m) return date(+m[3], +m[1], +m[2]);
  m = D_MON_Y_RE.exec(t);
  if (m) {
    const month = MONTHS.get(m[2].toLowerCase());
    if (month !== undefined) return date(+m[3], month, +m[1]);
  }
  return K_STRING;
}
