import { AppError } from '../../errors.js';
import type { ApiKeyRecord, UserRecord, UsersRepo } from '../../db/users.repo.js';
import { newApiKey } from './api-keys.js';

export const userView = (u: UserRecord) => ({ id: u.id, email: u.email, name: u.name, createdAt: u.createdAt.toISOString() });
export const keyView = (k: ApiKeyRecord) => ({
  id: k.id,
  prefix: k.prefix,
  createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt ? k.lastUsedAt.toISOString() : null,
});

export function usersService(repo: UsersRepo, opts: { signupEnabled: boolean }) {
  return {
    async signUp(input: { email: string; name: string }) {
      if (!opts.signupEnabled) throw new AppError('FORBIDDEN', 'Sign-up is turned off on this server.');
      if (await repo.findByEmail(input.email)) throw new AppError('CONFLICT', 'A user with this email already exists.');
      const key = newApiKey();
      try {
        const { user } = await repo.createWithKey(input, { prefix: key.prefix, hash: key.hash });
        return { user: userView(user), apiKey: key.key };
      } catch (err) {
        // Two sign-ups with the same email at once: the unique index decides.
        if ((err as { code?: string }).code === 'P2002') throw new AppError('CONFLICT', 'A user with this email already exists.');
        throw err;
      }
    },

    async createKey(userId: string) {
      const key = newApiKey();
      const record = await repo.createKey(userId, { prefix: key.prefix, hash: key.hash });
      return { id: record.id, apiKey: key.key, createdAt: record.createdAt.toISOString() };
    },

    async listKeys(userId: string) {
      return { data: (await repo.listKeys(userId)).map(keyView) };
    },

    async revokeKey(userId: string, keyId: string) {
      if (!(await repo.deleteKey(userId, keyId))) throw AppError.notFound('API key');
    },
  };
}
export type UsersService = ReturnType<typeof usersService>;
