import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { configSchema, loadConfig } from '../../src/config.js';

describe('configuration', () => {
  test('defaults are the contract table', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      PORT: 3000, DATABASE_URL: 'file:./data/statlas.db', MAX_UPLOAD_MB: 16, ASYNC_UPLOAD_MB: 8, MAX_ROWS: 5_000_000, MAX_COLUMNS: 1000,
      MAX_CELL_BYTES: 32_768, CACHE_MB: 512, SIGNUP_ENABLED: true, RATE_LIMIT_ENABLED: true, RATE_LIMIT_PER_MINUTE: 600, LOG_LEVEL: 'info',
      NODE_ENV: 'development', corsOrigins: [],
    });
  });

  test('a wrong value is one line naming the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/^Invalid configuration: PORT: /);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ SIGNUP_ENABLED: 'maybe' })).toThrow(/SIGNUP_ENABLED/);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db', CORS_ORIGINS: 'https://a.example, https://b.example' }).corsOrigins).toEqual(['https://a.example', 'https://b.example']);
  });

  test('app.json and .env.example document every variable', () => {
    const names = Object.keys(configSchema.shape).sort();
    const appJson = JSON.parse(readFileSync(new URL('../../app.json', import.meta.url), 'utf8'));
    expect(Object.keys(appJson.env).sort()).toEqual(names);
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const inExample = [...example.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]).sort();
    expect(inExample).toEqual(names);
  });
});
