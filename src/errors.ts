// One error type for the whole service, one code → status table (from API.md), one body builder.

export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  FILE_TOO_LARGE: 413,
  UNSUPPORTED_FILE_TYPE: 415,
  PARSE_ERROR: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Where a parse broke, as far as known (API.md: 422 details). */
export interface ParseLocation {
  line?: number;
  row?: number;
  column?: string | number;
  value?: string;
  sheet?: string;
  cell?: string;
}

export interface FieldIssue {
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  static validation(fields: FieldIssue[], message?: string): AppError {
    const text = message ?? fields.map((f) => `${f.path}: ${f.message}`).join('; ');
    return new AppError('VALIDATION_ERROR', text || 'The request is not valid.', { fields });
  }

  static notFound(what = 'Resource'): AppError {
    return new AppError('NOT_FOUND', `${what} not found.`);
  }

  static parse(message: string, where: ParseLocation = {}): AppError {
    return new AppError('PARSE_ERROR', message, { ...where });
  }
}

export function errorBody(code: ErrorCode, message: string, details: Record<string, unknown>, requestId: string) {
  return { error: { code, message, details, requestId } };
}
