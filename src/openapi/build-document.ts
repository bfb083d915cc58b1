// Builds the OpenAPI 3.1 document from the same Endpoint declarations (and zod schemas) that mount
// and validate the routes, so /openapi.json cannot drift from what the server does.
import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ERROR_STATUS, type ErrorCode } from '../errors.js';
import type { Endpoint } from '../http/endpoint.js';

export interface EndpointGroup {
  /** Where the group's router is mounted, e.g. `/api/v1` ('' for the root). */
  basePath: string;
  endpoints: Endpoint[];
  /** Whether the rate limiter guards these routes (429). Default: the group is under /api. */
  rateLimited?: boolean;
}

export interface DocumentInfo {
  version: string;
}

/** Security schemes, by the names used in the document. */
export const SECURITY_SCHEMES = { bearer: 'bearerAuth', apiKey: 'apiKeyHeader' } as const;

/** Routes served by the docs router itself; documented like any other route. */
export const DOCS_PATHS = { document: '/openapi.json', ui: '/docs' } as const;

const ERROR_WHEN: Record<ErrorCode, string> = {
  VALIDATION_ERROR: 'The query, body or path parameters are not valid. `details.fields` lists every offending field.',
  UNAUTHORIZED: 'The API key is missing or not valid.',
  FORBIDDEN: 'This action is turned off by configuration.',
  NOT_FOUND: 'No such resource, or it belongs to another user.',
  METHOD_NOT_ALLOWED: 'The path exists but does not take this method (see the `Allow` header).',
  CONFLICT: 'The resource is not in a state that allows this (for example, the dataset is still processing).',
  FILE_TOO_LARGE: 'The upload or body is over a size limit (MAX_UPLOAD_MB, 1 MB for JSON, or the row/column/cell limits).',
  UNSUPPORTED_FILE_TYPE: 'The file is none of the accepted formats.',
  PARSE_ERROR: 'The file has a supported type but cannot be read (or a spreadsheet took too long to read). `details` says where it broke.',
  RATE_LIMITED: 'Too many requests. Wait for the number of seconds in `Retry-After`.',
  INTERNAL: 'Something went wrong on the server. The body never holds a stack trace.',
  UNAVAILABLE: 'The database cannot be reached. For an upload, also: the file reader had to restart before this file was read; nothing was saved, so send the file again.',
};

/** Codes every route can answer with: failures of the server or of the database. */
const COMMON_ERRORS: ErrorCode[] = ['INTERNAL', 'UNAVAILABLE'];

const errorCodeSchema = z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]);

const errorBodyOf = (details: z.ZodType) =>
  z.object({
    error: z.object({
      code: errorCodeSchema,
      message: z.string().meta({ description: 'A short sentence for people.' }),
      details,
      requestId: z.string().meta({ description: 'Also sent in the X-Request-Id header.' }),
    }),
  });

const errorSchema = errorBodyOf(z.record(z.string(), z.unknown())).meta({
  id: 'Error',
  description: 'The body of every non-2xx response.',
});

const validationErrorSchema = errorBodyOf(
  z.object({ fields: z.array(z.object({ path: z.string(), message: z.string() })) }),
).meta({ id: 'ValidationError', description: 'A 400: `details.fields` names every offending field.' });

const parseErrorSchema = errorBodyOf(
  z.object({
    line: z.number().int().optional(),
    row: z.number().int().optional(),
    column: z.union([z.string(), z.number()]).optional(),
    value: z.string().optional(),
    sheet: z.string().optional(),
    cell: z.string().optional(),
  }),
).meta({ id: 'ParseError', description: 'A 422: `details` says where the file broke, as far as known.' });

const ERROR_BODY_BY_CODE: Partial<Record<ErrorCode, z.ZodType>> = {
  VALIDATION_ERROR: validationErrorSchema,
  PARSE_ERROR: parseErrorSchema,
};

/** `/datasets/:id/rows` → `/datasets/{id}/rows`. */
export function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function pathParamNames(expressPath: string): string[] {
  return [...expressPath.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]);
}

/** `post /datasets/{id}/chart-data` → `postDatasetsByIdChartData`: stable names for code generators. */
function operationId(method: string, fullPath: string): string {
  const words = fullPath
    .replace(/^\/api\/v\d+/, '')
    .split('/')
    .filter(Boolean)
    .flatMap((segment) => {
      const param = /^\{(.+)\}$/.exec(segment);
      return param ? ['by', param[1]] : segment.split(/[^A-Za-z0-9]+/);
    })
    .filter(Boolean);
  return method + words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

function isObjectSchema(schema: z.ZodType | undefined): schema is z.ZodObject {
  return schema instanceof z.ZodObject;
}

/** Path parameters: the declared schema, plus a plain string for any `:name` it does not cover. */
function paramsSchema(e: Endpoint): z.ZodObject | undefined {
  const names = pathParamNames(e.path);
  if (names.length === 0) return undefined;
  const declared = isObjectSchema(e.params) ? e.params.shape : {};
  const shape: Record<string, z.ZodType> = {};
  for (const name of names) shape[name] = (declared as Record<string, z.ZodType>)[name] ?? z.string();
  return z.object(shape);
}

/**
 * multipart/form-data: the binary `file` plus the text fields declared by the body schema.
 * OpenAPI 3.1 describes a file as a string with a content media type; `format: binary` is kept
 * so that older tools (and Swagger UI's file picker) recognise it.
 */
function uploadSchema(body: z.ZodType | undefined): z.ZodType {
  const file = z.string().meta({
    format: 'binary',
    contentMediaType: 'application/octet-stream',
    description: 'The file to read: CSV, TSV, JSON, NDJSON, XLSX, XLS or ODS.',
  });
  const fields = isObjectSchema(body) ? body.shape : {};
  return z.object({ file, ...fields });
}

function successResponse(status: number, doc: Endpoint['responses'][number]): ResponseConfig {
  const response: ResponseConfig = { description: doc.description };
  const headers: Record<string, unknown> = { 'X-Request-Id': { $ref: '#/components/headers/RequestId' } };
  if (status === 202) headers.Location = { description: 'Where to follow the background work.', schema: { type: 'string' } };
  if (doc.contentType && doc.contentType !== 'application/json') {
    headers['Content-Disposition'] = { description: 'Present on downloads: `attachment; filename="…"`.', schema: { type: 'string' } };
  }
  response.headers = headers as ResponseConfig['headers'];
  if (status === 204) return response;
  const types = (doc.contentType ?? 'application/json').split(',').map((t) => t.trim());
  if (!doc.schema && types.every((t) => t === 'application/json')) return response;
  response.content = Object.fromEntries(
    types.map((type) => {
      const textual = type.startsWith('text/') || type.endsWith('json');
      const raw = textual ? { type: 'string' } : { type: 'string', contentMediaType: type };
      return [type, { schema: doc.schema ?? (raw as never) }];
    }),
  );
  return response;
}

function errorResponse(code: ErrorCode): ResponseConfig {
  const headers: Record<string, unknown> = { 'X-Request-Id': { $ref: '#/components/headers/RequestId' } };
  if (code === 'RATE_LIMITED') headers['Retry-After'] = { description: 'Seconds to wait.', schema: { type: 'integer' } };
  if (code === 'METHOD_NOT_ALLOWED') headers.Allow = { description: 'The methods this path takes.', schema: { type: 'string' } };
  return {
    description: `${code}: ${ERROR_WHEN[code]}`,
    headers: headers as ResponseConfig['headers'],
    content: { 'application/json': { schema: ERROR_BODY_BY_CODE[code] ?? errorSchema } },
  };
}

/** Every error code the route can answer with, by status (one code per status in this API). */
function errorCodesFor(e: Endpoint, rateLimited: boolean): ErrorCode[] {
  const codes = new Set<ErrorCode>();
  if (e.auth !== false) codes.add('UNAUTHORIZED');
  // Every mounted endpoint validates its query (unknown parameters included), so any can answer 400.
  codes.add('VALIDATION_ERROR');
  if (pathParamNames(e.path).length) codes.add('NOT_FOUND');
  if (rateLimited) codes.add('RATE_LIMITED');
  // The JSON body parser answers 413 above 1 MB.
  if (e.body && !e.upload) codes.add('FILE_TOO_LARGE');
  for (const c of e.errors ?? []) codes.add(c);
  for (const c of COMMON_ERRORS) codes.add(c);
  return [...codes].sort((a, b) => ERROR_STATUS[a] - ERROR_STATUS[b]);
}

function routeFor(basePath: string, e: Endpoint, rateLimited: boolean): RouteConfig {
  const fullPath = toOpenApiPath(basePath + e.path);
  const request: NonNullable<RouteConfig['request']> = {};
  const params = paramsSchema(e);
  if (params) request.params = params;
  if (isObjectSchema(e.query) && Object.keys(e.query.shape).length > 0) request.query = e.query;
  if (e.upload) {
    request.body = { required: true, content: { 'multipart/form-data': { schema: uploadSchema(e.body) } } };
  } else if (e.body) {
    request.body = { required: true, content: { 'application/json': { schema: e.body } } };
  }

  const responses: RouteConfig['responses'] = {};
  for (const [status, doc] of Object.entries(e.responses)) responses[status] = successResponse(Number(status), doc);
  // A status the endpoint declares itself (e.g. /health's 503 body) wins over the generic error.
  for (const code of errorCodesFor(e, rateLimited)) responses[String(ERROR_STATUS[code])] ??= errorResponse(code);

  return {
    method: e.method,
    path: fullPath,
    operationId: operationId(e.method, fullPath),
    summary: e.summary,
    ...(e.description ? { description: e.description } : {}),
    tags: [e.tag],
    security: e.auth === false ? [] : [{ [SECURITY_SCHEMES.bearer]: [] }, { [SECURITY_SCHEMES.apiKey]: [] }],
    request: Object.keys(request).length ? request : undefined,
    responses,
  };
}

function registerDocsRoutes(registry: OpenAPIRegistry): void {
  const requestIdHeader = { 'X-Request-Id': { $ref: '#/components/headers/RequestId' } } as unknown as ResponseConfig['headers'];
  registry.registerPath({
    method: 'get',
    path: DOCS_PATHS.document,
    operationId: 'getOpenApiDocument',
    summary: 'This OpenAPI 3.1 document',
    tags: ['System'],
    security: [],
    responses: {
      200: { description: 'The OpenAPI document.', headers: requestIdHeader, content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } },
    },
  });
  registry.registerPath({
    method: 'get',
    path: DOCS_PATHS.ui,
    operationId: 'getDocs',
    summary: 'Interactive documentation (Swagger UI)',
    tags: ['System'],
    security: [],
    responses: {
      200: { description: 'An HTML page.', headers: requestIdHeader, content: { 'text/html': { schema: z.string() } } },
    },
  });
}

export function buildOpenApiDocument(groups: EndpointGroup[], info: DocumentInfo): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', SECURITY_SCHEMES.bearer, {
    type: 'http',
    scheme: 'bearer',
    description: 'Send `Authorization: Bearer <apiKey>`. Get a key from `POST /api/v1/users`.',
  });
  registry.registerComponent('securitySchemes', SECURITY_SCHEMES.apiKey, {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'Or send the key in the `X-API-Key` header.',
  });
  registry.registerComponent('headers', 'RequestId', {
    description: 'The request id: echoed from the request, or made up by the server.',
    schema: { type: 'string' },
  });

  const tags = new Set<string>();
  for (const group of groups) {
    for (const e of group.endpoints) {
      registry.registerPath(routeFor(group.basePath, e, group.rateLimited ?? group.basePath.startsWith('/api')));
      tags.add(e.tag);
    }
  }
  registerDocsRoutes(registry);
  tags.add('System');

  const generator = new OpenApiGeneratorV31(registry.definitions);
  return generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Statlas API',
      version: info.version,
      description:
        'Upload a table (CSV, TSV, JSON, NDJSON, Excel, ODS), then explore it: rows, filters, summary statistics, ' +
        'correlations, outliers, group-by, insights and chart data with ready-to-render Vega-Lite specs. ' +
        'Every route under /api/v1 except sign-up needs an API key. Every error has the same body (see the Error schema).',
    },
    tags: [...tags].map((name) => ({ name })),
  }) as unknown as Record<string, unknown>;
}
