import { GraphQLError } from 'graphql';
import type { GatewayFeature } from '../gateway-feature.js';

export interface OperationLimitsOptions {
  /** Deepest field nesting allowed. @default 12 */
  readonly maxDepth?: number;
  /** Highest estimated cost (see operationShape). @default 5000 */
  readonly maxCost?: number;
  /** Most aliased fields in one operation. @default 60 */
  readonly maxAliases?: number;
  /**
   * Deepest nesting of selections, inline fragments and spreads counted (see operationShape's
   * `nesting`). @default 4 * maxDepth
   */
  readonly maxNesting?: number;
}

const reject = (message: string, details: Record<string, number>): GraphQLError =>
  new GraphQLError(message, {
    extensions: { code: 'BAD_USER_INPUT', http: { status: 400 }, ...details },
  });

/**
 * Rejects an operation over the depth, cost or alias limit before it is planned or sent anywhere.
 * The shape walk must be given the same `maxDepth`, `maxCost` and `maxNesting` (server.ts does): it stops at the
 * first limit passed, and then that figure is only a lower bound, said so in the message.
 */
export function useOperationLimits(options: OperationLimitsOptions = {}): GatewayFeature {
  const maxDepth = options.maxDepth ?? 12;
  const maxCost = options.maxCost ?? 5000;
  const maxAliases = options.maxAliases ?? 60;
  const maxNesting = options.maxNesting ?? 4 * maxDepth;
  return {
    name: 'operation-limits',
    onOperation({ shape }) {
      const atLeast = shape.complete ? '' : 'at least ';
      if (shape.depth > maxDepth)
        throw reject(`Query depth ${atLeast}${shape.depth} exceeds the limit of ${maxDepth}`, {
          depth: shape.depth,
          maxDepth,
        });
      if (shape.nesting > maxNesting)
        throw reject(
          `Query nests selections ${atLeast}${shape.nesting} deep; the limit is ${maxNesting}`,
          { nesting: shape.nesting, maxNesting },
        );
      if (shape.aliases > maxAliases)
        throw reject(`Query uses ${shape.aliases} aliases; the limit is ${maxAliases}`, {
          aliases: shape.aliases,
          maxAliases,
        });
      if (shape.cost > maxCost)
        throw reject(`Query cost ${atLeast}${shape.cost} exceeds the limit of ${maxCost}`, {
          cost: shape.cost,
          maxCost,
        });
      // A walk stopped at limits other than these ones (a misconfiguration): never let it through.
      if (!shape.complete)
        throw reject('Query is over the depth or cost limit', { maxDepth, maxNesting, maxCost });
    },
  };
}
