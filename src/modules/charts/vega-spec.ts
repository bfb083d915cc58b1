// Vega-Lite v6 documents for chart data (API.md "Charts and visualizations"): the data computed by
// chart-data.ts goes inline, and every mark draws precomputed fields — no Vega-Lite aggregate, bin,
// boxplot or calculate transforms and no expression strings — so the spec renders as is with
// vega-embed 7 under a strict CSP (vega-interpreter). Field types follow the column types:
// numbers quantitative, text and booleans nominal, dates temporal on UTC scales (ordinal on bars,
// boxes and heatmaps, whose keys are categories). Categorical x axes keep the data's order (sort: null).
import type { TopLevelSpec } from 'vega-lite';
import type { ColumnType } from '../../core/column.js';
import { isNumericType, isTimeType } from '../../core/column.js';
import { METRICS } from '../../core/metrics.js';
import { effectiveAggregate, type ChartColumn } from './chart-data.js';
import type { ChartRequest } from './charts.schemas.js';

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export type VegaLiteSpec = TopLevelSpec;

type FieldType = 'quantitative' | 'nominal' | 'ordinal' | 'temporal';
/** How an axis is drawn: continuous (line, area, scatter) or as categories (bar, pie, box, heatmap). */
type AxisUse = 'continuous' | 'categorical';

function fieldType(type: ColumnType | undefined, use: AxisUse): FieldType {
  if (type === undefined || type === 'string' || type === 'boolean') return 'nominal';
  if (use === 'categorical') return 'ordinal';
  return isTimeType(type) ? 'temporal' : 'quantitative';
}

/** A position/color field definition; temporal fields get a UTC scale (keys are UTC instants). */
function field(name: string, type: FieldType, title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const def: Record<string, unknown> = { field: name, type, title, ...extra };
  if (type === 'temporal') def.scale = { ...(extra.scale as object | undefined), type: 'utc' };
  return def;
}

/** The x key's column type after deriving: a time bucket is a date, a bin start a number. */
function xKeyType(req: ChartRequest, columns: ChartColumn[]): ColumnType | undefined {
  const col = columns.find((c) => c.name === req.x);
  if (!col) return undefined;
  if (req.timeUnit && isTimeType(col.type)) return req.timeUnit === 'hour' ? 'datetime' : 'date';
  return col.type;
}

function xTitle(req: ChartRequest, columns: ChartColumn[]): string {
  const col = columns.find((c) => c.name === req.x);
  if (req.timeUnit) return `${req.x} (${req.timeUnit})`;
  if (col && isNumericType(col.type) && (req.bins || req.type === 'heatmap' || req.type === 'histogram')) return `${req.x} (binned)`;
  return req.x ?? '';
}

/** Title and field type of the aggregated measure (y; value for heatmaps). */
function measure(req: ChartRequest, columns: ChartColumn[]): { title: string; type: FieldType; additive: boolean } {
  const op = effectiveAggregate(req);
  const column = req.type === 'heatmap' ? req.value : req.y;
  const title = column ? `${op} of ${column}` : 'count';
  const additive = op === 'count' || op === 'sum' || op === 'missing';
  if (METRICS[op].result !== 'value') return { title, type: 'quantitative', additive };
  const colType = columns.find((c) => c.name === column)?.type;
  // first/last/min/max give the column's own values: dates stay temporal, text nominal.
  return { title, type: fieldType(colType, 'continuous'), additive };
}

function chartTitle(req: ChartRequest, columns: ChartColumn[]): string {
  switch (req.type) {
    case 'histogram':
      return `Distribution of ${req.x}`;
    case 'scatter':
      return `${req.y} vs ${req.x}`;
    case 'box':
      return req.x ? `${req.y} by ${req.x}` : `${req.y}`;
    case 'heatmap':
      return `${measure(req, columns).title} by ${req.x} and ${req.y}`;
    default:
      return `${measure(req, columns).title} by ${xTitle(req, columns)}`;
  }
}

function seriesColor(req: ChartRequest): Record<string, unknown> | undefined {
  return req.groupBy ? { field: 'series', type: 'nominal', title: req.groupBy } : undefined;
}

type Encoding = Record<string, unknown>;

function withoutUndefined(enc: Encoding): Encoding {
  return Object.fromEntries(Object.entries(enc).filter(([, v]) => v !== undefined));
}

function barSpec(req: ChartRequest, columns: ChartColumn[]): Record<string, unknown> {
  const m = measure(req, columns);
  return {
    mark: { type: 'bar', tooltip: true },
    encoding: withoutUndefined({
      x: field('x', fieldType(xKeyType(req, columns), 'categorical'), xTitle(req, columns), { sort: null }),
      y: field('y', m.type, m.title, m.additive ? {} : { stack: null }),
      color: seriesColor(req),
      // Non-additive measures (mean, median…) side by side rather than stacked.
      xOffset: req.groupBy && !m.additive ? { field: 'series', type: 'nominal' } : undefined,
    }),
  };
}

function lineSpec(req: ChartRequest, columns: ChartColumn[]): Record<string, unknown> {
  const m = measure(req, columns);
  const xType = fieldType(xKeyType(req, columns), 'continuous');
  const area = req.type === 'area';
  return {
    mark: area ? { type: 'area', tooltip: true, ...(m.additive ? {} : { opacity: 0.5 }) } : { type: 'line', point: true, tooltip: true },
    encoding: withoutUndefined({
      x: field('x', xType, xTitle(req, columns), xType === 'nominal' ? { sort: null } : {}),
      y: field('y', m.type, m.title, area && !m.additive ? { stack: null } : {}),
      color: seriesColor(req),
    }),
  };
}

function pieSpec(req: ChartRequest, columns: ChartColumn[]): Record<string, unknown> {
  const m = measure(req, columns);
  return {
    mark: { type: 'arc', tooltip: true },
    encoding: {
      theta: { field: 'y', type: 'quantitative', title: m.title, stack: true },
      color: { field: 'x', type: 'nominal', title: xTitle(req, columns), sort: null },
    },
  };
}

function histogramSpec(req: ChartRequest, columns: ChartColumn[]): Record<string, unknown> {
  return {
    mark: { type: 'bar', tooltip: true },
    encoding: withoutUndefined({
      x: { field: 'x', type: 'quantitative', bin: { binned: true }, title: xTitle(req, columns) },
      x2: { field: 'x2' },
      y: { field: 'y', type: 'quantitative', title: 'count' },
      color: seriesColor(req),
    }),
  };
}

function scatterSpec(req: ChartRequest, columns: ChartColumn[]): Record<string, unknown> {
  const axis = (name: string | null | undefined) => {
    const type = fieldType(columns.find((c) => c.name === name)?.type, 'continuous');
    // Fit the axes to the data; a zero baseline only exists on linear scales.
    return field(name === req.x ? 'x' : 'y', type, name ?? '', type === 'quantitative' ? { scale: { zero: false } } : {});
  };
  return {
    mark: { type: 'point', tooltip: true },
    encoding: withoutUndefined({
      x: axis(req.x),
      y: { ...axis(req.y), field: 'y' },
      color: seriesColor(req),
    }),
  };
}

/**
 * Box plot from precomputed numbers: whisker rule, q1–q3 bar, median tick, and outlier points (a
 * `flatten` of each box's outliers; that layer only when there are any, as an empty one has no extent).
 */
function boxSpec(req: ChartRequest, columns: ChartColumn[], data: Record<string, unknown>[]): Record<string, unknown> {
  const y = req.y ?? '';
  const q = (name: string, extra: Record<string, unknown> = {}) => ({ field: name, type: 'quantitative', title: y, ...extra });
  const x = req.x
    ? field('x', fieldType(xKeyType(req, columns), 'categorical'), xTitle(req, columns), { sort: null })
    : { datum: y, type: 'nominal', title: null };
  // The scale spans every whisker end and outlier: left to itself, vega-lite sizes the shared y
  // scale from the `y` fields only, and clips the upper whiskers (their `y2`).
  const ends = data.flatMap((d) => [d.min, d.max, ...(Array.isArray(d.outliers) ? d.outliers : [])]).filter((v): v is number => typeof v === 'number');
  const scale = ends.length > 0 ? { zero: false, domain: [Math.min(...ends), Math.max(...ends)] } : { zero: false };
  return {
    encoding: { x },
    layer: [
      { mark: { type: 'rule' }, encoding: { y: q('min', { scale }), y2: { field: 'max' } } },
      {
        mark: { type: 'bar', size: 14, tooltip: true },
        encoding: {
          y: q('q1'),
          y2: { field: 'q3' },
          tooltip: ['min', 'q1', 'median', 'q3', 'max'].map((f) => ({ field: f, type: 'quantitative' })),
        },
      },
      { mark: { type: 'tick', color: 'white', size: 14 }, encoding: { y: q('median') } },
      ...(data.some((d) => Array.isArray(d.outliers) && d.outliers.length > 0)
        ? [{ transform: [{ flatten: ['outliers'], as: ['outlier'] }], mark: { type: 'point', tooltip: true }, encoding: { y: q('outlier') } }]
        : []),
    ],
  };
}

function heatmapSpec(req: ChartRequest, columns: ChartColumn[]): Record<string, unknown> {
  const axisType = (name: string | null | undefined, derivedTime: boolean) =>
    derivedTime ? 'ordinal' : fieldType(columns.find((c) => c.name === name)?.type, 'categorical');
  const yCol = columns.find((c) => c.name === req.y);
  const m = measure(req, columns);
  return {
    mark: { type: 'rect', tooltip: true },
    encoding: {
      x: { field: 'x', type: axisType(req.x, !!req.timeUnit), title: xTitle(req, columns) },
      y: { field: 'y', type: axisType(req.y, false), title: yCol && isNumericType(yCol.type) ? `${req.y} (binned)` : req.y },
      color: field('value', m.type, m.title),
    },
  };
}

type Builder = (req: ChartRequest, columns: ChartColumn[], data: Record<string, unknown>[]) => Record<string, unknown>;

const BUILDERS: Record<ChartRequest['type'], Builder> = {
  bar: barSpec,
  line: lineSpec,
  area: lineSpec,
  pie: pieSpec,
  histogram: histogramSpec,
  scatter: scatterSpec,
  box: boxSpec,
  heatmap: heatmapSpec,
};

/** A complete Vega-Lite v6 document drawing `data` (as buildChartData returns it) inline. */
export function buildVegaLiteSpec(req: ChartRequest, data: Record<string, unknown>[], columns: ChartColumn[]): VegaLiteSpec {
  const title = chartTitle(req, columns);
  return {
    $schema: VEGA_LITE_SCHEMA,
    description: title,
    title,
    data: { values: data },
    ...BUILDERS[req.type](req, columns, data),
  } as VegaLiteSpec;
}
