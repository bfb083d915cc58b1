// A filter as the API takes it (query `column:op:value`, or JSON `{ column, op, value }`).
export const FILTER_OPS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'between', 'contains', 'startsWith', 'isNull', 'notNull'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

export interface Filter {
  column: string;
  op: FilterOp;
  /** Text from a query string, or a JSON value / array from a body. Absent for isNull/notNull. */
  value?: unknown;
}

/**
 * The rows left after filtering, as ascending row indexes, or null for "every row"
 * (so unfiltered analyses can take their fast paths and reuse ingest-time counts).
 */
export type RowSelection = Int32Array | null;
