import { endpoint, type Endpoint } from '../../http/endpoint.js';
import { idParams } from '../datasets/datasets.schemas.js';
import type { VisualizationsService } from './visualizations.service.js';
import { createBody, getQuery, listQuery, patchBody, specResponse, visualizationList, visualizationSchema, visualizationWithData } from './visualizations.schemas.js';

export function visualizationsEndpoints(visualizations: VisualizationsService): Endpoint[] {
  return [
    endpoint({
      method: 'post', path: '/visualizations', tag: 'Visualizations',
      summary: 'Save a chart of one of your datasets',
      body: createBody,
      responses: { 201: { description: 'The saved visualization.', schema: visualizationSchema } },
      errors: ['NOT_FOUND'],
      handle: async ({ user, body }) => ({ status: 201, body: await visualizations.create(user.id, body) }),
    }),
    endpoint({
      method: 'get', path: '/visualizations', tag: 'Visualizations',
      summary: 'List your saved visualizations',
      query: listQuery,
      responses: { 200: { description: 'A page of visualizations, newest first.', schema: visualizationList } },
      handle: async ({ user, query }) => ({ body: await visualizations.list(user.id, query) }),
    }),
    endpoint({
      method: 'get', path: '/visualizations/:id', tag: 'Visualizations',
      summary: 'One visualization; `include=data` adds its current data and spec',
      params: idParams,
      query: getQuery,
      responses: { 200: { description: 'The visualization.', schema: visualizationWithData } },
      errors: ['NOT_FOUND', 'CONFLICT'],
      handle: async ({ user, params, query }) => ({ body: await visualizations.get(user.id, params.id, query.include) }),
    }),
    endpoint({
      method: 'get', path: '/visualizations/:id/spec', tag: 'Visualizations',
      summary: 'The Vega-Lite v6 spec with the current data inline',
      params: idParams,
      responses: { 200: { description: 'A spec vega-embed renders as is.', schema: specResponse } },
      errors: ['NOT_FOUND', 'CONFLICT'],
      handle: async ({ user, params }) => ({ body: await visualizations.spec(user.id, params.id) }),
    }),
    endpoint({
      method: 'patch', path: '/visualizations/:id', tag: 'Visualizations',
      summary: 'Change the name, description or chart',
      params: idParams,
      body: patchBody,
      responses: { 200: { description: 'The visualization.', schema: visualizationSchema } },
      errors: ['NOT_FOUND'],
      handle: async ({ user, params, body }) => ({ body: await visualizations.update(user.id, params.id, body) }),
    }),
    endpoint({
      method: 'delete', path: '/visualizations/:id', tag: 'Visualizations',
      summary: 'Delete a visualization',
      params: idParams,
      responses: { 204: { description: 'Deleted.' } },
      errors: ['NOT_FOUND'],
      handle: async ({ user, params }) => {
        await visualizations.remove(user.id, params.id);
        return { status: 204 };
      },
    }),
  ];
}
