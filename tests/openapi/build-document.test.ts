// buildOpenApiDocument on small, made-up endpoint lists (no database): how each part of an
// Endpoint declaration turns into OpenAPI.
import { describe, expect, test } from '@jest/globals';
import { Validator } from '@seriousme/openapi-schema-validator';
import { z } from 'zod';
import { endpoint, type Endpoint } from '../../src/http/endpoint.js';
import { buildOpenApiDocument, toOpenApiPath } from '../../src/openapi/build-document.js';

type AnyDoc = { paths: Record<string, Record<string, any>>; components: Record<string, any> };

const noop = () => ({ body: {} });

function build(endpoints: Endpoint[], basePath = '/api/v1', rateLimited?: boolean): AnyDoc {
  return buildOpenApiDocument([{ basePath, endpoints, rateLimited }], { version: '9.9.9' }) as unknown as AnyDoc;
}

async function expectValid(doc: AnyDoc) {
  const result = await new Validator().validate(structuredClone(doc) as unknown as Record<string, unknown>);
  if (!result.valid) console.error(JSON.stringify(result.errors, null, 2).slice(0, 3000));
  expect(result.valid).toBe(true);
}

describe('toOpenApiPath', () => {
  test.each([
    ['/datasets/:id', '/datasets/{id}'],
    ['/users/me/api-keys/:keyId', '/users/me/api-keys/{keyId}'],
    ['/a/:x/b/:y_2', '/a/{x}/b/{y_2}'],
    ['/health', '/health'],
  ])('when the Express path is %s, then the OpenAPI path is %s', (from, to) => {
    expect(toOpenApiPath(from)).toBe(to);
  });
});

describe('buildOpenApiDocument', () => {
  test('when a path has a parameter the params schema does not declare, then it is still documented as a required string', async () => {
    const doc = build([
      endpoint({ method: 'get', path: '/things/:id/parts/:partId', tag: 'T', summary: 's', params: z.object({ id: z.string().max(10) }), responses: { 200: { description: 'ok' } }, handle: noop }),
    ]);
    const params = doc.paths['/api/v1/things/{id}/parts/{partId}'].get.parameters;
    expect(params).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'id', in: 'path', required: true, schema: expect.objectContaining({ maxLength: 10 }) }),
        expect.objectContaining({ name: 'partId', in: 'path', required: true, schema: { type: 'string' } }),
      ]),
    );
    await expectValid(doc);
  });

  test('when an endpoint is an upload, then the body is multipart with the binary file first and the declared text fields', async () => {
    const doc = build([
      endpoint({
        method: 'post', path: '/files', tag: 'T', summary: 's',
        body: z.object({ name: z.string().optional(), header: z.enum(['true', 'false']).default('true') }),
        upload: { middleware: (_req, _res, next) => next() },
        responses: { 201: { description: 'made', schema: z.object({ id: z.string() }) } },
        errors: ['FILE_TOO_LARGE', 'UNSUPPORTED_FILE_TYPE'],
        handle: noop,
      }),
    ]);
    const op = doc.paths['/api/v1/files'].post;
    expect(Object.keys(op.requestBody.content)).toEqual(['multipart/form-data']);
    const schema = op.requestBody.content['multipart/form-data'].schema;
    expect(Object.keys(schema.properties)).toEqual(['file', 'name', 'header']);
    expect(schema.properties.file).toMatchObject({ type: 'string', format: 'binary', contentMediaType: 'application/octet-stream' });
    expect(schema.required).toEqual(['file']);
    expect(Object.keys(op.responses)).toEqual(['201', '400', '401', '413', '415', '429', '500', '503']);
    await expectValid(doc);
  });

  test('when a response is a download, then each content type is listed with the Content-Disposition header', async () => {
    const doc = build([
      endpoint({
        method: 'get', path: '/export', tag: 'T', summary: 's',
        responses: { 200: { description: 'file', contentType: 'text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } },
        handle: noop,
      }),
    ]);
    const ok = doc.paths['/api/v1/export'].get.responses['200'];
    expect(ok.content['text/csv'].schema).toEqual({ type: 'string' });
    expect(ok.content['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'].schema).toEqual({
      type: 'string', contentMediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    });
    expect(Object.keys(ok.headers)).toEqual(['X-Request-Id', 'Content-Disposition']);
    await expectValid(doc);
  });

  test('when an endpoint declares an error status itself, then its own schema is kept', () => {
    const own = z.object({ status: z.literal('unavailable') });
    const doc = build(
      [endpoint({ method: 'get', path: '/health', tag: 'System', summary: 's', auth: false, responses: { 200: { description: 'up' }, 503: { description: 'down', schema: own } }, handle: noop })],
      '',
    );
    const responses = doc.paths['/health'].get.responses;
    expect(responses['503'].description).toBe('down');
    expect(responses['503'].content['application/json'].schema).toEqual({ type: 'object', properties: { status: { type: 'string', enum: ['unavailable'] } }, required: ['status'] });
    // Not under /api: no rate limiter, so no 429; open route: no 401 and no security.
    expect(Object.keys(responses)).toEqual(['200', '400', '500', '503']);
    expect(doc.paths['/health'].get.security).toEqual([]);
  });

  test('when a route is open or needs a key, then security and 401 follow auth; 202 gets a Location header', async () => {
    const doc = build([
      endpoint({ method: 'post', path: '/open', tag: 'T', summary: 's', auth: false, body: z.object({ a: z.string() }), responses: { 201: { description: 'ok' } }, handle: noop }),
      endpoint({ method: 'post', path: '/closed', tag: 'T', summary: 's', responses: { 202: { description: 'later', schema: z.object({ id: z.string() }) } }, errors: ['CONFLICT'], handle: noop }),
    ]);
    const open = doc.paths['/api/v1/open'].post;
    const closed = doc.paths['/api/v1/closed'].post;
    expect(open.security).toEqual([]);
    expect(open.responses['401']).toBeUndefined();
    expect(open.responses['413']).toBeDefined(); // the JSON body limit
    expect(closed.security).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }]);
    expect(closed.responses['401'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
    expect(closed.responses['409'].description).toMatch(/^CONFLICT: /);
    expect(closed.responses['400'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ValidationError' });
    expect(Object.keys(closed.responses['202'].headers)).toEqual(['X-Request-Id', 'Location']);
    expect(open.operationId).toBe('postOpen');
    await expectValid(doc);
  });

  test('when built, then /openapi.json and /docs are documented as open System routes', () => {
    const doc = build([]);
    expect(doc.paths['/openapi.json'].get.security).toEqual([]);
    expect(Object.keys(doc.paths['/docs'].get.responses['200'].content)).toEqual(['text/html']);
  });
});
