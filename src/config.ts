// The service's settings, read once from the environment (and .env in development) and checked
// with zod at start-up. No other module reads process.env.
import dotenv from 'dotenv';
import { z } from 'zod';

const bool = (name: string) =>
  z
    .enum(['true', 'false', '1', '0'], { message: `${name}: expected true or false` })
    .transform((v) => v === 'true' || v === '1');

const int = (name: string, min: number, max: number) =>
  z.coerce
    .number({ message: `${name}: expected a number` })
    .int({ message: `${name}: expected a whole number` })
    .min(min, { message: `${name}: must be at least ${min}` })
    .max(max, { message: `${name}: must be at most ${max}` });

const databaseUrl = z
  .string()
  .refine((v) => /^(file:|postgres:\/\/|postgresql:\/\/)/.test(v), {
    message: 'DATABASE_URL: expected a file: URL (SQLite) or a postgres:// / postgresql:// URL',
  });

export const configSchema = z.object({
  PORT: int('PORT', 0, 65535).default(3000).describe('HTTP port'),
  DATABASE_URL: databaseUrl.default('file:./data/statlas.db').describe('SQLite file, or postgres:// / postgresql:// URL'),
  MAX_UPLOAD_MB: int('MAX_UPLOAD_MB', 1, 4096).default(16).describe('largest upload, in MB'),
  ASYNC_UPLOAD_MB: int('ASYNC_UPLOAD_MB', 0, 4096).default(8).describe('uploads above this size are ingested in the background (202)'),
  MAX_ROWS: int('MAX_ROWS', 1, 100_000_000).default(5_000_000).describe('most rows in a dataset'),
  MAX_COLUMNS: int('MAX_COLUMNS', 1, 100_000).default(1000).describe('most columns in a dataset'),
  MAX_CELL_BYTES: int('MAX_CELL_BYTES', 1, 100_000_000).default(32_768).describe('longest cell, in bytes'),
  CACHE_MB: int('CACHE_MB', 0, 1_000_000).default(512).describe('memory for loaded tables, in MB'),
  CORS_ORIGINS: z.string().default('').describe('comma-separated origins, or *'),
  SIGNUP_ENABLED: bool('SIGNUP_ENABLED').default(true).describe('open sign-up'),
  RATE_LIMIT_ENABLED: bool('RATE_LIMIT_ENABLED').default(true).describe('per-key and per-IP limits'),
  RATE_LIMIT_PER_MINUTE: int('RATE_LIMIT_PER_MINUTE', 1, 1_000_000).default(600).describe('requests per key (and per IP) per minute'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent' }).default('info'),
  NODE_ENV: z.enum(['development', 'production', 'test'], { message: 'NODE_ENV: expected development, production or test' }).default('development'),
});

type RawConfig = z.infer<typeof configSchema>;

export interface Config extends RawConfig {
  corsOrigins: string[] | '*';
  isProduction: boolean;
}

/** Reads the configuration; throws an Error whose message is one line naming the bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "not set", as in most PaaS dashboards.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue.path[0] ?? '');
    const message = issue.message.startsWith(`${variable}:`) ? issue.message : `${variable}: ${issue.message}`;
    throw new Error(`Invalid configuration: ${message}`);
  }
  const c = parsed.data;
  const origins = c.CORS_ORIGINS.trim();
  return Object.freeze({
    ...c,
    corsOrigins: origins === '*' ? '*' : origins.split(',').map((o) => o.trim()).filter(Boolean),
    isProduction: c.NODE_ENV === 'production',
  });
}

/** Loads .env (development convenience) and the configuration, or exits with one clear line. */
export function loadConfigOrExit(): Config {
  dotenv.config({ quiet: true });
  try {
    return loadConfig();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
