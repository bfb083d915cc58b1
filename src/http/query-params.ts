// Query parameters that several routes share: paging, column lists, filters and sorting.
import { z } from 'zod';

/** A page size: a larger value is clamped to `max` (page.limit shows the value applied). */
export const pageLimit = (fallback: number, max: number) =>
  z.coerce
    .number({ message: 'Expected a number.' })
    .int('Expected a whole number.')
    .min(0, 'Must be 0 or more.')
    .default(fallback)
    .transform((v) => Math.min(v, max))
    .describe(`Page size, default ${fallback}; values above ${max} are clamped to ${max}.`);

export const pageOffset = z.coerce
  .number({ message: 'Expected a number.' })
  .int('Expected a whole number.')
  .min(0, 'Must be 0 or more.')
  .max(Number.MAX_SAFE_INTEGER)
  .default(0);

/** `columns=a,b` → ['a', 'b'] (names may not contain commas in this form). */
export const columnList = z
  .string()
  .min(1, 'Give at least one column name.')
  .max(100_000)
  .transform((s) => s.split(',').map((c) => c.trim()).filter((c) => c.length > 0))
  .describe('Comma-separated column names.');

export const filterParam = z
  .union([z.string(), z.array(z.string())])
  .describe('Repeatable `<column>:<op>:<value>` (or `<column>:isNull` / `<column>:notNull`). Ops: eq ne gt gte lt lte in nin between contains startsWith isNull notNull.');

export const sortParam = z.string().max(10_000).describe('Comma-separated columns, `-` in front for descending. Missing values sort last.');
