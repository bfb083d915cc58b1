import { z } from 'zod';

export const signUpBody = z
  .object({
    email: z.email({ message: 'Enter a valid email address.' }).max(254).transform((e) => e.toLowerCase()),
    name: z.string().trim().min(1, { message: 'Enter a name.' }).max(200),
  })
  .strict()
  .meta({ id: 'SignUp' });

export const userSchema = z
  .object({ id: z.string(), email: z.string(), name: z.string(), createdAt: z.string().meta({ format: 'date-time' }) })
  .meta({ id: 'User' });

export const signUpResponse = z.object({ user: userSchema, apiKey: z.string().meta({ description: 'Shown once; only a hash is stored.' }) });
export const meResponse = z.object({ user: userSchema });
export const newKeyResponse = z.object({ id: z.string(), apiKey: z.string(), createdAt: z.string() });
export const apiKeySchema = z
  .object({ id: z.string(), prefix: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable() })
  .meta({ id: 'ApiKey' });
export const apiKeyList = z.object({ data: z.array(apiKeySchema) });
export const keyIdParams = z.object({ keyId: z.string().min(1).max(100) });
