// Validation returns typed values instead of changing `req` (Express 5's req.query is a getter),
// and reports every offending field at once.
import type { z } from 'zod';
import { AppError, type FieldIssue } from '../errors.js';

export function zodIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const base = issue.path.map(String).join('.');
      return issue.keys.map((key) => ({ path: base ? `${base}.${key}` : key, message: 'Unknown field.' }));
    }
    return [{ path: issue.path.map(String).join('.') || 'body', message: issue.message }];
  });
}

/** Parses a value with a zod schema; a failure is a 400 VALIDATION_ERROR listing every field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw AppError.validation(zodIssues(parsed.error));
  return parsed.data;
}
