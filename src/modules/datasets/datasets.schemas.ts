// Request and response shapes of the Datasets section (API.md). The same schemas validate
// requests and describe them in /openapi.json.
import { z } from 'zod';
import { COLUMN_TYPES } from '../../core/column.js';
import { DATASET_FORMATS, ENCODINGS } from '../ingest/ingest.types.js';
import { columnList, filterParam, pageLimit, pageOffset, sortParam } from '../../http/query-params.js';

export const ROWS_DEFAULT_LIMIT = 100;
export const ROWS_MAX_LIMIT = 10_000;
export const LIST_DEFAULT_LIMIT = 20;
export const LIST_MAX_LIMIT = 100;

export const idParams = z.strictObject({ id: z.string().min(1).max(100) });

export const uploadFields = z.strictObject({
  name: z.string().trim().min(1).max(200).optional().describe('Default: the file name without its extension.'),
  description: z.string().max(5000).optional(),
  sheet: z.string().max(300).optional().describe('Excel/ODS sheet name or 0-based index; default the first sheet.'),
  delimiter: z
    .string()
    .max(5)
    .optional()
    .describe('`,` `;` `|` or a tab (a tab character or the word `tab`); default sniffed. In `;` files, numbers may use a decimal comma (`1,5`); `1.234,5` stays text.'),
  encoding: z.enum(ENCODINGS).optional().describe('Default: detected.'),
  header: z.enum(['true', 'false']).default('true').transform((v) => v === 'true').describe('First row holds the column names.'),
});

/** The longest a GET of one dataset waits for it to finish processing (`wait`). */
export const MAX_WAIT_SECONDS = 30;

export const getQuery = z.strictObject({
  wait: z.coerce
    .number({ message: 'Expected a number.' })
    .min(0, 'Must be 0 or more.')
    .max(MAX_WAIT_SECONDS, `Must be ${MAX_WAIT_SECONDS} or less.`)
    .default(0)
    .describe(
      `While the dataset is "processing", wait up to this many seconds (at most ${MAX_WAIT_SECONDS}) for it to be "ready" or "failed" before answering. ` +
        'The answer comes as soon as it is done, so a client can wait for an upload with a few requests instead of polling often. Default 0: answer at once.',
    ),
});

export const listQuery = z.strictObject({
  limit: pageLimit(LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT),
  offset: pageOffset,
  q: z.string().max(200).optional().describe('Part of the name (case-insensitive).'),
  sort: z
    .enum(['name', '-name', 'createdAt', '-createdAt', 'rowCount', '-rowCount'])
    .default('-createdAt')
    .describe('`name`, `createdAt` or `rowCount`; `-` in front for descending.'),
});

export const rowsQuery = z.strictObject({
  limit: pageLimit(ROWS_DEFAULT_LIMIT, ROWS_MAX_LIMIT),
  offset: pageOffset,
  columns: columnList.optional(),
  sort: sortParam.optional(),
  filter: filterParam.optional(),
});

export const EXPORT_FORMATS = ['csv', 'json', 'xlsx'] as const;
export const exportQuery = z.strictObject({
  format: z.enum(EXPORT_FORMATS).default('csv'),
  columns: columnList.optional(),
  sort: sortParam.optional(),
  filter: filterParam.optional(),
});

export const patchBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(5000).nullable().optional(),
    columns: z
      .array(
        z.strictObject({
          name: z.string().min(1).describe('The current column name.'),
          type: z.enum(COLUMN_TYPES).optional().describe('New type; values that do not convert become null.'),
          newName: z.string().trim().min(1).max(1000).optional(),
        }),
      )
      .max(1000)
      .optional(),
  })
  .describe('Rename the dataset or its columns, or change a column type.');

const columnMeta = z.object({
  name: z.string(),
  type: z.enum(COLUMN_TYPES),
  nullCount: z.number().int(),
  distinctCount: z.number().int().describe('Distinct non-missing values.'),
});

export const datasetSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  originalFilename: z.string(),
  format: z.enum(DATASET_FORMATS),
  sizeBytes: z.number().int(),
  status: z.enum(['processing', 'ready', 'failed']),
  progress: z.number().min(0).max(1),
  error: z.string().nullable(),
  rowCount: z.number().int(),
  columnCount: z.number().int(),
  columns: z.array(columnMeta),
  sheets: z.array(z.object({ name: z.string(), rowCount: z.number().int().optional() })).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const patchedDatasetSchema = datasetSchema.extend({
  conversions: z
    .array(z.object({ column: z.string(), converted: z.number().int(), nulled: z.number().int() }))
    .optional()
    .describe('Per retyped column: values converted, and values that did not convert and became null.'),
});

export const pageSchema = z.object({ total: z.number().int(), limit: z.number().int(), offset: z.number().int() });
export const datasetList = z.object({ data: z.array(datasetSchema), page: pageSchema });

const cell = z.union([z.number(), z.boolean(), z.string(), z.null()]);
export const rowsResponse = z.object({ data: z.array(z.record(z.string(), cell)), page: pageSchema });

export const inspectResponse = z.object({
  format: z.enum(DATASET_FORMATS),
  encoding: z.enum(ENCODINGS).nullable(),
  delimiter: z.string().nullable(),
  sheets: z.array(z.object({ name: z.string(), rowCount: z.number().int().optional() })).nullable(),
  columns: z.array(z.object({ name: z.string(), type: z.enum(COLUMN_TYPES), sample: z.array(cell) })),
  previewRows: z.array(z.record(z.string(), cell)),
});
