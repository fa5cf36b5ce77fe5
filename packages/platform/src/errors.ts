/** The only error codes a client ever sees (DESIGN section 12). */
export const ERROR_CODES = [
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Base of every expected failure; the code maps one-to-one to `extensions.code`. */
export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  /** Extra, client-safe details for `extensions`. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

/** A validation failure on one input field; services turn a list of them into BAD_USER_INPUT. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

export class BadUserInputError extends DomainError {
  readonly code = 'BAD_USER_INPUT';

  /** One error naming every bad field: "f1 problem; f2 problem", with `extensions.fields`. */
  static fromProblems(problems: readonly FieldProblem[]): BadUserInputError {
    return new BadUserInputError(problems.map((p) => `${p.field} ${p.message}`).join('; '), {
      fields: problems,
    });
  }
}
export class UnauthenticatedError extends DomainError {
  readonly code = 'UNAUTHENTICATED';
}
export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
}
export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
}
export class ConflictError extends DomainError {
  readonly code = 'CONFLICT';
}

export const isErrorCode = (value: unknown): value is ErrorCode =>
  typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);

/** Exhaustiveness guard for discriminated unions. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
