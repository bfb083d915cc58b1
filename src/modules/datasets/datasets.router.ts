import type { RequestHandler } from 'express';
import { endpoint, type Endpoint } from '../../http/endpoint.js';
import { receivedFile } from '../../http/upload.js';
import type { DatasetsService } from './datasets.service.js';
import {
  datasetList, datasetSchema, exportQuery, getQuery, idParams, inspectResponse, listQuery, patchBody, patchedDatasetSchema, rowsQuery,
  rowsResponse, uploadFields,
} from './datasets.schemas.js';

export function datasetsEndpoints(datasets: DatasetsService, upload: RequestHandler): Endpoint[] {
  return [
    endpoint({
      method: 'post', path: '/datasets', tag: 'Datasets',
      summary: 'Upload a file (CSV, TSV, JSON, NDJSON, XLSX, XLS, ODS) as a new dataset',
      description: 'Small files are read in the request (201). Files above ASYNC_UPLOAD_MB go on in the background (202): read the Location until status is "ready" or "failed" (with `?wait=30` it answers as soon as it is).',
      body: uploadFields,
      upload: { middleware: upload },
      responses: {
        201: { description: 'The dataset, ready.', schema: datasetSchema },
        202: { description: 'The dataset, still processing; see `progress`.', schema: datasetSchema },
      },
      errors: ['FILE_TOO_LARGE', 'UNSUPPORTED_FILE_TYPE', 'PARSE_ERROR'],
      handle: async ({ user, body, req }) => {
        const { status, dataset } = await datasets.upload(user.id, receivedFile(req), body);
        const headers: Record<string, string> = status === 202 ? { Location: `${req.baseUrl}/datasets/${dataset.id}` } : {};
        return { status, body: dataset, headers };
      },
    }),
    endpoint({
      method: 'post', path: '/datasets/inspect', tag: 'Datasets',
      summary: 'See what an upload would make of a file, without storing it',
      body: uploadFields,
      upload: { middleware: upload },
      responses: { 200: { description: 'Format, sheets, columns with types and samples, and the first rows.', schema: inspectResponse } },
      errors: ['FILE_TOO_LARGE', 'UNSUPPORTED_FILE_TYPE', 'PARSE_ERROR'],
      handle: async ({ body, req }) => ({ body: await datasets.inspect(receivedFile(req), body) }),
    }),
    endpoint({
      method: 'get', path: '/datasets', tag: 'Datasets',
      summary: "List the caller's datasets",
      query: listQuery,
      responses: { 200: { description: 'A page of datasets.', schema: datasetList } },
      handle: async ({ user, query }) => ({ body: await datasets.list(user.id, query) }),
    }),
    endpoint({
      method: 'get', path: '/datasets/:id', tag: 'Datasets',
      summary: 'One dataset: metadata, columns, status and progress',
      description: 'With `wait`, a dataset still processing is answered when it is done (or when the wait is over), not at once.',
      params: idParams,
      query: getQuery,
      responses: { 200: { description: 'The dataset.', schema: datasetSchema } },
      errors: ['NOT_FOUND'],
      handle: async ({ user, params, query, res }) => {
        // A client that goes away stops the wait.
        const gone = new AbortController();
        res.once('close', () => gone.abort());
        return { body: await datasets.get(user.id, params.id, { waitMs: query.wait * 1000, signal: gone.signal }, user.pathDataset) };
      },
    }),
    endpoint({
      method: 'patch', path: '/datasets/:id', tag: 'Datasets',
      summary: 'Rename the dataset or its columns, or change column types',
      params: idParams,
      body: patchBody,
      responses: { 200: { description: 'The dataset; `conversions` when types changed.', schema: patchedDatasetSchema } },
      errors: ['NOT_FOUND', 'CONFLICT'],
      handle: async ({ user, params, body }) => ({ body: await datasets.patch(user.id, params.id, body) }),
    }),
    endpoint({
      method: 'delete', path: '/datasets/:id', tag: 'Datasets',
      summary: 'Delete a dataset, its content and its visualizations',
      params: idParams,
      responses: { 204: { description: 'Deleted.' } },
      errors: ['NOT_FOUND'],
      handle: async ({ user, params }) => {
        await datasets.remove(user.id, params.id);
        return { status: 204 };
      },
    }),
    endpoint({
      method: 'get', path: '/datasets/:id/rows', tag: 'Datasets',
      summary: 'Rows, with column choice, filters, sorting and paging',
      params: idParams,
      query: rowsQuery,
      responses: { 200: { description: 'A page of rows; page.total counts rows after filtering.', schema: rowsResponse } },
      errors: ['NOT_FOUND', 'CONFLICT'],
      handle: async ({ user, params, query }) => ({ body: await datasets.rows(user.id, params.id, query, user.pathDataset) }),
    }),
    endpoint({
      method: 'get', path: '/datasets/:id/export', tag: 'Datasets',
      summary: 'Download the dataset (or a filtered, sorted part) as CSV, JSON or XLSX',
      params: idParams,
      query: exportQuery,
      responses: {
        200: { description: 'The file, as an attachment. Text starting with = + - @ gets a leading \' (formula injection).', contentType: 'text/csv, application/json, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
      },
      errors: ['NOT_FOUND', 'CONFLICT'],
      handle: async ({ user, params, query, res }) => {
        const file = await datasets.export(user.id, params.id, query, user.pathDataset);
        res.attachment(file.filename);
        res.type(file.contentType);
        res.send(file.body);
        return undefined;
      },
    }),
  ];
}
