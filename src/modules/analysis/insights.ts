// Automatic insights: a table of rules, each looking at the summary, the correlations or the raw
// columns and producing findings { type, severity, columns, message, value }. The answer is
// ranked by severity (high, medium, low), then by strength (each finding's 0–1 score), then by
// type and column names so the order is deterministic.
import { isNumericType, presentValues, type Column, type Table } from '../../core/column.js';
import type { RowSelection } from '../../core/filter.types.js';
import { isOutside, outlierFences } from '../../core/stats/outliers.js';
import type { INSIGHT_TYPES, SEVERITIES } from './analysis.schemas.js';
import type { CorrelationsResult, SummaryResult } from './analysis.service.js';

export type InsightType = (typeof INSIGHT_TYPES)[number];
export type Severity = (typeof SEVERITIES)[number];

export interface Insight {
  type: InsightType;
  severity: Severity;
  columns: string[];
  message: string;
  value: number | null;
}

// ---- thresholds (shares are fractions of the rows or values they describe) ----

/** |r| from which two numeric columns are reported as strongly related; at VERY_HIGH it is severe. */
export const CORRELATION_MEDIUM = 0.7;
export const CORRELATION_HIGH = 0.9;
/** Fewer complete pairs than this say too little to report a correlation. */
export const CORRELATION_MIN_ROWS = 10;
/** |skewness| (G1) from which a column is lopsided (1 is the usual rule of thumb), and very lopsided. */
export const SKEW_LOW = 1;
export const SKEW_MEDIUM = 2;
/** Skewness of fewer values than this is noise. */
export const SKEW_MIN_VALUES = 10;
/** Share of missing values: a note, a problem, most of the column gone. */
export const MISSING_LOW = 0.05;
export const MISSING_MEDIUM = 0.2;
export const MISSING_HIGH = 0.5;
/** A text column with at least this many distinct values, making up at least this share of its values, is too varied to group by. */
export const HIGH_CARDINALITY_MIN_DISTINCT = 50;
export const HIGH_CARDINALITY_SHARE = 0.5;
/** Complete text/integer columns where every value differs (likely identifiers) are reported from this many values on. */
export const UNIQUE_MIN_VALUES = 10;
/** IQR outliers (k = 1.5): reported when any; medium from this share of the values. */
export const OUTLIER_MIN_VALUES = 10;
export const OUTLIER_MEDIUM = 0.05;
/** Duplicate rows: reported when any; medium from this share of the rows. */
export const DUPLICATE_MEDIUM = 0.1;
/** A categorical column (2..IMBALANCE_MAX_DISTINCT values) whose top value has this share is imbalanced. */
export const IMBALANCE_MEDIUM = 0.9;
export const IMBALANCE_HIGH = 0.99;
export const IMBALANCE_MAX_DISTINCT = 20;
export const IMBALANCE_MIN_VALUES = 10;

const SEVERITY_RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

interface Context {
  table: Table;
  rows: RowSelection;
  columns: Column[];
  summary: SummaryResult;
  correlations: CorrelationsResult | null;
}

interface Finding extends Insight {
  /** 0–1, for ranking within a severity. */
  strength: number;
}

const pct = (share: number): string => {
  const p = share * 100;
  return p >= 10 || p === 0 ? `${Math.round(p)}%` : `${Number(p.toPrecision(2))}%`;
};
const round = (x: number, digits = 2): string => String(Number(x.toFixed(digits)));
const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

type Rule = (ctx: Context) => Finding[];

/** `is always "USD"` (or `holds a single value` when the summary does not show it). */
function constantValue(c: SummaryResult['columns'][number]): string {
  let v: unknown;
  if (c.type === 'string') v = (c.top as { value: string }[])[0]?.value;
  else if (c.type === 'boolean') v = (c.trueCount as number) > 0;
  else v = c.min;
  if (v === undefined || v === null) return 'holds a single value';
  const text = String(v);
  return `is always ${typeof v === 'string' ? `"${text.length > 40 ? `${text.slice(0, 40)}…` : text}"` : text}`;
}

const RULES: Record<InsightType, Rule> = {
  high_correlation: ({ correlations }) =>
    (correlations?.pairs ?? [])
      .filter((p) => p.r !== null && Math.abs(p.r) >= CORRELATION_MEDIUM && p.n >= CORRELATION_MIN_ROWS)
      .map((p) => {
        const r = p.r as number;
        return {
          type: 'high_correlation',
          severity: Math.abs(r) >= CORRELATION_HIGH ? 'high' : 'medium',
          columns: [p.a, p.b],
          message: `"${p.a}" and "${p.b}" move ${r > 0 ? 'together' : 'in opposite directions'} (r = ${round(r)}).`,
          value: r,
          strength: Math.abs(r),
        };
      }),

  skewed: ({ summary }) =>
    summary.columns
      .filter((c) => typeof c.skewness === 'number' && c.count >= SKEW_MIN_VALUES && Math.abs(c.skewness as number) >= SKEW_LOW)
      .map((c) => {
        const g = c.skewness as number;
        return {
          type: 'skewed',
          severity: Math.abs(g) >= SKEW_MEDIUM ? 'medium' : 'low',
          columns: [c.name],
          message: `"${c.name}" is lopsided: most values are ${g > 0 ? 'small, with a long tail of large ones' : 'large, with a long tail of small ones'} (skewness ${round(g)}).`,
          value: g,
          strength: Math.min(1, Math.abs(g) / 10),
        };
      }),

  missing: ({ summary }) =>
    summary.rowCount === 0
      ? []
      : summary.columns
          .map((c) => ({ c, share: c.missing / summary.rowCount }))
          .filter(({ share }) => share >= MISSING_LOW)
          .map(({ c, share }) => ({
            type: 'missing',
            severity: share >= MISSING_HIGH ? 'high' : share >= MISSING_MEDIUM ? 'medium' : 'low',
            columns: [c.name],
            message: share === 1 ? `"${c.name}" is empty: every value is missing.` : `${pct(share)} of the values in "${c.name}" are missing.`,
            value: share,
            strength: share,
          })),

  constant: ({ summary }) =>
    summary.columns
      .filter((c) => c.distinct === 1 && c.count >= 2)
      .map((c) => ({
        type: 'constant',
        severity: 'medium',
        columns: [c.name],
        message: `"${c.name}" ${constantValue(c)}, so it adds no information.`,
        value: 1,
        strength: 1,
      })),

  high_cardinality: ({ summary }) =>
    summary.columns
      .filter((c) => c.type === 'string' && c.distinct < c.count && c.distinct >= HIGH_CARDINALITY_MIN_DISTINCT && c.distinct / c.count >= HIGH_CARDINALITY_SHARE)
      .map((c) => ({
        type: 'high_cardinality',
        severity: 'low',
        columns: [c.name],
        message: `"${c.name}" has ${plural(c.distinct, 'different value')}, too many to group or chart by.`,
        value: c.distinct,
        strength: c.distinct / c.count,
      })),

  unique: ({ summary }) =>
    summary.columns
      .filter((c) => (c.type === 'string' || c.type === 'integer') && c.missing === 0 && c.count >= UNIQUE_MIN_VALUES && c.distinct === c.count)
      .map((c) => ({
        type: 'unique',
        severity: 'low',
        columns: [c.name],
        message: `Every value in "${c.name}" is different: it looks like an identifier.`,
        value: c.distinct,
        strength: 1,
      })),

  outliers: ({ columns, rows }) =>
    columns
      .filter((c) => isNumericType(c.type))
      .flatMap((c): Finding[] => {
        if (c.type === 'string') return [];
        const buf = presentValues(c.values, rows);
        if (buf.length < OUTLIER_MIN_VALUES) return [];
        const fences = outlierFences(buf.slice(), buf.length, 'iqr', 1.5);
        if (!fences) return [];
        let count = 0;
        for (let i = 0; i < buf.length; i++) if (isOutside(fences, buf[i])) count++;
        if (count === 0) return [];
        const share = count / buf.length;
        return [{
          type: 'outliers',
          severity: share >= OUTLIER_MEDIUM ? 'medium' : 'low',
          columns: [c.name],
          message: `${plural(count, 'value')} in "${c.name}" (${pct(share)}) are far from the rest.`,
          value: count,
          strength: share,
        }];
      }),

  duplicate_rows: ({ table, rows, columns }) => {
    const n = rows ? rows.length : table.rowCount;
    const dup = countDuplicateRows(columns, rows, n);
    if (dup === 0) return [];
    const share = dup / n;
    return [{
      type: 'duplicate_rows',
      severity: share >= DUPLICATE_MEDIUM ? 'medium' : 'low',
      columns: columns.map((c) => c.name),
      message: `${plural(dup, 'row')} ${dup === 1 ? 'repeats' : 'repeat'} an earlier row exactly (${pct(share)}).`,
      value: dup,
      strength: share,
    }];
  },

  imbalanced: ({ summary }) =>
    summary.columns.flatMap((c): Finding[] => {
      if (c.count < IMBALANCE_MIN_VALUES || c.distinct < 2 || c.distinct > IMBALANCE_MAX_DISTINCT) return [];
      let top: { value: string; count: number } | null = null;
      if (c.type === 'string') top = (c.top as { value: string; count: number }[])[0] ?? null;
      else if (c.type === 'boolean') {
        const t = c.trueCount as number;
        const f = c.falseCount as number;
        top = t >= f ? { value: 'true', count: t } : { value: 'false', count: f };
      }
      if (!top) return [];
      const share = top.count / c.count;
      if (share < IMBALANCE_MEDIUM) return [];
      return [{
        type: 'imbalanced',
        severity: share >= IMBALANCE_HIGH ? 'high' : 'medium',
        columns: [c.name],
        message: `"${c.name}" is nearly always "${top.value}" (${pct(share)} of its values).`,
        value: share,
        strength: share,
      }];
    }),
};

/**
 * Rows equal to an earlier row in every given column (pandas DataFrame.duplicated().sum(): missing
 * values compare equal). Open-addressing hash of the row's values, confirmed by comparing the rows.
 */
export function countDuplicateRows(columns: Column[], rows: RowSelection, n: number): number {
  if (n < 2 || columns.length === 0) return 0;
  let cap = 16;
  while (cap < 2 * n) cap *= 2;
  const mask = cap - 1;
  const slotRow = new Int32Array(cap).fill(-1);
  const slotHash = new Int32Array(cap);
  const f64 = new Float64Array(1);
  const u32 = new Uint32Array(f64.buffer);
  const hashRow = (r: number): number => {
    let h = 0x811c9dc5;
    for (const c of columns) {
      if (c.type === 'string') h = Math.imul(h ^ c.codes[r], 0x01000193);
      else {
        const v = c.values[r];
        f64[0] = v !== v ? NaN : v === 0 ? 0 : v;
        h = Math.imul(h ^ u32[0], 0x01000193);
        h = Math.imul(h ^ u32[1], 0x01000193);
      }
    }
    return h ^ (h >>> 15);
  };
  const equal = (a: number, b: number): boolean => {
    for (const c of columns) {
      if (c.type === 'string') {
        if (c.codes[a] !== c.codes[b]) return false;
      } else {
        const x = c.values[a];
        const y = c.values[b];
        if (x !== y && !(x !== x && y !== y)) return false;
      }
    }
    return true;
  };
  let dup = 0;
  for (let i = 0; i < n; i++) {
    const r = rows ? rows[i] : i;
    const h = hashRow(r);
    let s = h & mask;
    for (;;) {
      const other = slotRow[s];
      if (other < 0) {
        slotRow[s] = r;
        slotHash[s] = h;
        break;
      }
      if (slotHash[s] === h && equal(other, r)) {
        dup++;
        break;
      }
      s = (s + 1) & mask;
    }
  }
  return dup;
}

export function buildInsights(ctx: Context): Insight[] {
  const found = (Object.keys(RULES) as InsightType[]).flatMap((type) => RULES[type](ctx));
  found.sort(
    (a, b) =>
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      b.strength - a.strength ||
      a.type.localeCompare(b.type) ||
      a.columns.join('\u0000').localeCompare(b.columns.join('\u0000')),
  );
  return found.map(({ strength: _s, ...insight }) => insight);
}
