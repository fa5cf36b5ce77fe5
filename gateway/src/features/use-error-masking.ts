import { isErrorCode } from '@shop/platform';
import type { GraphQLFormattedError } from 'graphql';
import type { GatewayFeature } from '../gateway-feature.js';

export interface ErrorMaskingOptions {
  /** Hide internal messages and any extension but the code and client-safe details. @default true */
  readonly production?: boolean;
}

/** Apollo's request-shape codes, all of which are the client's mistake. */
const CLIENT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** Extensions a client may see in production. */
const SAFE_EXTENSIONS = new Set([
  'code',
  'retryAfter',
  'depth',
  'maxDepth',
  'cost',
  'maxCost',
  'aliases',
  'maxAliases',
]);

/**
 * Maps every error to the codes of DESIGN section 12 (BAD_USER_INPUT, UNAUTHENTICATED, FORBIDDEN,
 * NOT_FOUND, CONFLICT, RATE_LIMITED, INTERNAL). In production an INTERNAL error says only
 * "Internal server error" and no stack trace, exception or subgraph name reaches the client.
 */
export function useErrorMasking(options: ErrorMaskingOptions = {}): GatewayFeature {
  const production = options.production ?? true;
  return {
    name: 'error-masking',
    formatError(formatted) {
      const raw = formatted.extensions?.code;
      const code = isErrorCode(raw)
        ? raw
        : typeof raw === 'string' && CLIENT_CODES.has(raw)
          ? 'BAD_USER_INPUT'
          : 'INTERNAL';
      const extensions: Record<string, unknown> = { ...formatted.extensions, code };
      if (!production) return { ...formatted, extensions };
      for (const key of Object.keys(extensions))
        if (!SAFE_EXTENSIONS.has(key)) delete extensions[key];
      const masked: GraphQLFormattedError = {
        message: code === 'INTERNAL' ? 'Internal server error' : formatted.message,
        extensions,
      };
      return {
        ...masked,
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        ...(formatted.path ? { path: formatted.path } : {}),
      };
    },
  };
}
