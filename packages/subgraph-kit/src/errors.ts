import { unwrapResolverError } from '@apollo/server/errors';
import { DomainError, isErrorCode, type ErrorCode } from '@shop/platform';
import type { GraphQLFormattedError } from 'graphql';

// Errors that graphql-js and Apollo Server raise before any resolver runs.
const APOLLO_CODES: Record<string, ErrorCode> = {
  GRAPHQL_PARSE_FAILED: 'BAD_USER_INPUT',
  GRAPHQL_VALIDATION_FAILED: 'BAD_USER_INPUT',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  BAD_REQUEST: 'BAD_USER_INPUT',
  PERSISTED_QUERY_NOT_FOUND: 'BAD_USER_INPUT',
  PERSISTED_QUERY_NOT_SUPPORTED: 'BAD_USER_INPUT',
  OPERATION_RESOLUTION_FAILURE: 'BAD_USER_INPUT',
};

export interface ErrorFormatterOptions {
  /** In production, unexpected errors reach the client as `INTERNAL` with a generic message. */
  readonly production: boolean;
  /** Called for every unexpected error (to log it with the request id). */
  readonly onUnexpected?: (error: unknown) => void;
}

/**
 * Apollo `formatError`: DomainError subclasses map to their code, known GraphQL errors keep or
 * translate theirs, everything else becomes `INTERNAL`. Stack traces never leave the process.
 */
export function createErrorFormatter(
  options: ErrorFormatterOptions,
): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted, error) => {
    const original = unwrapResolverError(error);
    const base = {
      message: formatted.message,
      locations: formatted.locations,
      path: formatted.path,
    };
    if (original instanceof DomainError) {
      return {
        ...base,
        message: original.message,
        extensions: { ...original.details, code: original.code },
      };
    }
    const code = formatted.extensions?.code;
    if (isErrorCode(code)) return { ...base, extensions: withoutStack(formatted.extensions) };
    if (typeof code === 'string' && APOLLO_CODES[code] !== undefined) {
      return {
        ...base,
        extensions: { ...withoutStack(formatted.extensions), code: APOLLO_CODES[code] },
      };
    }
    options.onUnexpected?.(original);
    return {
      ...base,
      message: options.production ? 'Internal server error' : formatted.message,
      extensions: { code: 'INTERNAL' },
    };
  };
}

function withoutStack(extensions: Record<string, unknown> | undefined): Record<string, unknown> {
  const { stacktrace: _stacktrace, exception: _exception, ...rest } = extensions ?? {};
  return rest;
}
