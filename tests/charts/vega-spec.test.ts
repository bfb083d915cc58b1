// Every chart spec is checked three ways: against the Vega-Lite v6 JSON schema shipped with
// vega-lite (ajv), compiled by vega-lite without warnings, and rendered to SVG by vega with the
// CSP-safe expression interpreter (vega-interpreter, as vega-embed uses it under a strict CSP),
// counting the drawn marks against the data.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import * as vega from 'vega';
import { expressionInterpreter } from 'vega-interpreter';
import { compile } from 'vega-lite';
import type { Table } from '../../src/core/column.js';
import { buildChartData } from '../../src/modules/charts/chart-data.js';
import { chartRequestSchema, type ChartRequestInput } from '../../src/modules/charts/charts.schemas.js';
import { buildVegaLiteSpec, VEGA_LITE_SCHEMA } from '../../src/modules/charts/vega-spec.js';
import { loadFixtureTable, loadOracle } from './fixture.js';

// The schema vega-lite ships (not exported by its package.json, so read by path).
const SCHEMA_PATH = join(dirname(fileURLToPath(import.meta.url)), '../../node_modules/vega-lite/build/vega-lite-schema.json');
const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
const ajv = new Ajv({ strict: false, allowUnionTypes: true, allErrors: true });
ajv.addFormat('uri', (s: string) => URL.canParse(s));
ajv.addFormat('uri-reference', true);
ajv.addFormat('color-hex', /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i);
const validateSchema = ajv.compile(schema);

// Requests beyond the oracle's, for spec variants (numeric x lines, non-additive series, dates on axes…).
const EXTRA: [string, ChartRequestInput][] = [
  ['line: mean price by integer units', { type: 'line', x: 'units', y: 'price', aggregate: 'mean' }],
  ['line: last orderDate by region (temporal y)', { type: 'line', x: 'region', y: 'orderDate', aggregate: 'last' }],
  ['area: mean price by month and channel (unstacked)', { type: 'area', x: 'orderDate', timeUnit: 'month', y: 'price', aggregate: 'mean', groupBy: 'channel' }],
  ['bar: sum units by binned price', { type: 'bar', x: 'price', y: 'units', bins: 6 }],
  ['bar: first region by channel (nominal y)', { type: 'bar', x: 'channel', y: 'region', aggregate: 'first' }],
  ['box: units by month', { type: 'box', x: 'orderDate', timeUnit: 'month', y: 'units' }],
  ['heatmap: max orderDate by region and channel', { type: 'heatmap', x: 'region', y: 'channel', value: 'orderDate', aggregate: 'max' }],
  ['pie: count by flag', { type: 'pie', x: 'flag' }],
  ['scatter: ts vs score', { type: 'scatter', x: 'ts', y: 'score' }],
];

const MARK: Record<string, string> = { bar: 'bar', line: 'line', area: 'area', pie: 'arc', histogram: 'bar', scatter: 'point', heatmap: 'rect' };

interface SceneNode { marktype?: string; role?: string; items?: SceneNode[] }

/** Items drawn by data marks (not axes or legends) of a scenegraph, by mark type. */
function countMarks(node: SceneNode, type: string): number {
  let n = node.marktype === type && node.role === 'mark' ? (node.items ?? []).length : 0;
  for (const child of node.items ?? []) n += countMarks(child, type);
  return n;
}

async function render(vgSpec: vega.Spec): Promise<{ svg: string; scene: SceneNode; warnings: string[] }> {
  const warnings: string[] = [];
  const logger = vega.logger(vega.Warn);
  logger.warn = (...args: unknown[]) => (warnings.push(args.map(String).join(' ')), logger);
  logger.error = (...args: unknown[]) => (warnings.push(args.map(String).join(' ')), logger);
  const view = new vega.View(vega.parse(vgSpec, undefined, { ast: true }), { expr: expressionInterpreter, renderer: 'none', logger });
  const svg = await view.toSVG();
  const scene = (view.scenegraph() as unknown as { root: SceneNode }).root;
  view.finalize();
  return { svg, scene, warnings };
}

let table: Table;
beforeAll(async () => {
  table = await loadFixtureTable();
});

const cases: [string, ChartRequestInput][] = [...loadOracle().cases.map((c) => [c.name, c.request] as [string, ChartRequestInput]), ...EXTRA];

describe('buildVegaLiteSpec', () => {
  test.each(cases)('%s: valid Vega-Lite v6, compiles, renders with the interpreter', async (_name, input) => {
    const req = chartRequestSchema.parse(input);
    const { data } = buildChartData(table, req);
    const columns = table.columns.map((c) => ({ name: c.name, type: c.type }));
    const spec = buildVegaLiteSpec(req, data, columns) as unknown as Record<string, unknown>;

    expect(spec.$schema).toBe(VEGA_LITE_SCHEMA);
    expect((spec.data as { values: unknown }).values).toBe(data);
    const valid = validateSchema(spec);
    expect(valid ? [] : validateSchema.errors?.slice(0, 5)).toEqual([]);

    const compileWarnings: string[] = [];
    const logger = { level: () => logger, error: (...a: unknown[]) => (compileWarnings.push(a.join(' ')), logger), warn: (...a: unknown[]) => (compileWarnings.push(a.join(' ')), logger), info: () => logger, debug: () => logger };
    const vgSpec = compile(spec as never, { logger: logger as never }).spec;
    expect(compileWarnings).toEqual([]);

    const { svg, scene, warnings } = await render(vgSpec);
    expect(warnings).toEqual([]);
    expect(svg.startsWith('<svg')).toBe(true);

    // The marks drawn match the data.
    const present = (v: unknown) => v !== null && v !== undefined;
    switch (req.type) {
      case 'bar':
      case 'histogram':
        expect(countMarks(scene, 'rect')).toBe(data.filter((d) => present(d.y)).length);
        break;
      case 'pie':
        expect(countMarks(scene, 'arc')).toBe(data.length);
        break;
      case 'scatter':
        expect(countMarks(scene, 'symbol')).toBe(data.length);
        break;
      case 'heatmap':
        // Missing keys are a "null" category on the discrete axes, so every cell with a value is drawn.
        expect(countMarks(scene, 'rect')).toBe(data.filter((d) => present(d.value)).length);
        break;
      case 'box': {
        const outliers = data.reduce((n, d) => n + (d.outliers as number[]).length, 0);
        expect(countMarks(scene, 'symbol')).toBe(outliers);
        expect(countMarks(scene, 'rule')).toBe(data.filter((d) => present(d.min)).length);
        break;
      }
      default:
        expect(countMarks(scene, req.type === 'line' ? 'line' : 'area')).toBeGreaterThan(0);
    }
    if (req.type !== 'box') expect(JSON.stringify(spec.mark)).toContain(`"type":"${MARK[req.type]}"`);
  });
});
