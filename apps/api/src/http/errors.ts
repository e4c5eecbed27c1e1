/**
 * Domain errors of the API: plain classes with stable codes. Only the exception filter
 * turns them into HTTP statuses.
 */
export interface FieldIssue {
  path: string;
  message: string;
}

export abstract class ApiError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  readonly details?: FieldIssue[];
}

/** The object does not exist for this tenant (whether or not another tenant has it). */
export class NotFoundError extends ApiError {
  readonly code = 'NOT_FOUND';
  readonly status = 404;
  constructor(kind: string, id: string) {
    super(`${kind} ${id} not found`);
  }
}

export class ConflictError extends ApiError {
  readonly status = 409;
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Input that is well-formed JSON but breaks a rule; lists every field at fault. */
export class ValidationFailedError extends ApiError {
  readonly code = 'VALIDATION_FAILED';
  readonly status = 400;
  constructor(
    override readonly details: FieldIssue[],
    message = 'request validation failed',
  ) {
    super(`${message}: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`);
  }
}

export class UnauthorizedError extends ApiError {
  readonly code = 'UNAUTHORIZED';
  readonly status = 401;
}

export class StateError extends ApiError {
  readonly status = 409;
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
