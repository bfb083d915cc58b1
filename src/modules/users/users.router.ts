import { endpoint, type Endpoint } from '../../http/endpoint.js';
import type { UsersService } from './users.service.js';
import { apiKeyList, keyIdParams, meResponse, newKeyResponse, signUpBody, signUpResponse } from './users.schemas.js';
import { userView } from './users.service.js';

export function usersEndpoints(users: UsersService): Endpoint[] {
  return [
    endpoint({
      method: 'post', path: '/users', tag: 'Users', auth: false,
      summary: 'Sign up: create a user and their first API key',
      body: signUpBody,
      responses: { 201: { description: 'The user and an API key (shown once).', schema: signUpResponse } },
      errors: ['FORBIDDEN', 'CONFLICT'],
      handle: async ({ body }) => ({ status: 201, body: await users.signUp(body) }),
    }),
    endpoint({
      method: 'get', path: '/users/me', tag: 'Users',
      summary: 'The caller',
      responses: { 200: { description: 'The user the key belongs to.', schema: meResponse } },
      handle: ({ user }) => ({ body: { user: userView(user) } }),
    }),
    endpoint({
      method: 'post', path: '/users/me/api-keys', tag: 'Users',
      summary: 'Create another API key',
      responses: { 201: { description: 'The new key (shown once).', schema: newKeyResponse } },
      handle: async ({ user }) => ({ status: 201, body: await users.createKey(user.id) }),
    }),
    endpoint({
      method: 'get', path: '/users/me/api-keys', tag: 'Users',
      summary: "List the caller's API keys",
      responses: { 200: { description: 'Keys, without their secret part.', schema: apiKeyList } },
      handle: async ({ user }) => ({ body: await users.listKeys(user.id) }),
    }),
    endpoint({
      method: 'delete', path: '/users/me/api-keys/:keyId', tag: 'Users',
      summary: 'Revoke an API key (it stops working at once)',
      params: keyIdParams,
      responses: { 204: { description: 'Revoked.' } },
      errors: ['NOT_FOUND'],
      handle: async ({ user, params }) => {
        await users.revokeKey(user.id, params.keyId);
        return { status: 204 };
      },
    }),
  ];
}
