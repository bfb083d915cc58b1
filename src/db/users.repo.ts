import type { Db } from './client.js';
import type { DatasetRecord } from './datasets.repo.js';
import type { KeyWithUser, RequestLookups } from './request-lookups.js';

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  createdAt: Date;
}

export interface ApiKeyRecord {
  id: string;
  userId: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

const keyFields = { id: true, userId: true, prefix: true, createdAt: true, lastUsedAt: true } as const;
const userFields = { id: true, email: true, name: true, createdAt: true } as const;

/** `lookups`: the key lookup through the drivers (every request makes it); Prisma without. */
export function usersRepo(db: Db, lookups?: RequestLookups) {
  const findKeyByHash = (hash: string): Promise<KeyWithUser | null> =>
    lookups
      ? lookups.keyByHash(hash)
      : db.apiKey.findUnique({ where: { hash }, select: { ...keyFields, hash: true, user: { select: userFields } } });

  return {
    findByEmail: (email: string): Promise<UserRecord | null> => db.user.findUnique({ where: { email }, select: userFields }),
    findById: (id: string): Promise<UserRecord | null> => db.user.findUnique({ where: { id }, select: userFields }),

    /** Creates the user and their first key in one transaction (no user without a key). */
    async createWithKey(user: { email: string; name: string }, key: { prefix: string; hash: string }) {
      return db.$transaction(async (tx) => {
        const created = await tx.user.create({ data: user, select: userFields });
        const apiKey = await tx.apiKey.create({ data: { ...key, userId: created.id }, select: keyFields });
        return { user: created, apiKey };
      });
    },

    createKey: (userId: string, key: { prefix: string; hash: string }): Promise<ApiKeyRecord> =>
      db.apiKey.create({ data: { ...key, userId }, select: keyFields }),

    listKeys: (userId: string): Promise<ApiKeyRecord[]> =>
      db.apiKey.findMany({ where: { userId }, select: keyFields, orderBy: { createdAt: 'asc' } }),

    /** Deletes a key of this user; false when there is none with that id for them. */
    async deleteKey(userId: string, keyId: string): Promise<boolean> {
      const { count } = await db.apiKey.deleteMany({ where: { id: keyId, userId } });
      return count > 0;
    },

    findKeyByHash,

    /**
     * The key as findKeyByHash finds it, and with it the dataset `datasetId` if it is the key's
     * user's (else null), in one read where the drivers' lookups are used; without them (Prisma)
     * the dataset is not read (undefined).
     */
    async findKeyWithDataset(hash: string, datasetId: string): Promise<{ key: KeyWithUser; dataset?: DatasetRecord | null } | null> {
      if (lookups) return lookups.keyAndDataset(hash, datasetId);
      const key = await findKeyByHash(hash);
      return key && { key };
    },

    touchKey: (id: string, at: Date) => db.apiKey.updateMany({ where: { id }, data: { lastUsedAt: at } }),
  };
}
export type UsersRepo = ReturnType<typeof usersRepo>;
