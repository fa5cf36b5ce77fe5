import type { Logger } from '@shop/platform';
import {
  getVariableValues,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { CallerStage, GatewayContext, GatewayFeature } from '../gateway-feature.js';
import { operationShape } from '../operation-shape.js';

/**
 * The feature hooks in the order every transport runs them. HTTP (through Apollo's plugin, see
 * apollo.ts) and WebSocket (ws-server.ts) call these same functions, so an operation meets the
 * same authentication, limits, authorization and rate limits whichever way it arrives.
 */
export interface FeaturePipeline {
  readonly features: readonly GatewayFeature[];
  /** Builds the context of one request or one WebSocket connection; throws a GraphQLError to refuse it. */
  buildContext(stage: CallerStage): Promise<GatewayContext>;
  /**
   * Coerces the variables and runs every feature's `onOperation` (depth, cost and alias limits,
   * `@authenticated`/`@requiresScopes`, `@rateLimit`); throws a GraphQLError to reject. Returns
   * the coerced variables, or undefined when they are invalid (left to the executor to report).
   */
  checkOperation(args: {
    readonly schema: GraphQLSchema;
    readonly document: DocumentNode;
    readonly operation: OperationDefinitionNode;
    readonly variables: Readonly<Record<string, unknown>> | undefined;
    readonly context: GatewayContext;
  }): Promise<Record<string, unknown> | undefined>;
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
}

export function createFeaturePipeline(
  features: readonly GatewayFeature[],
  options: { readonly maxDepth: number; readonly maxCost: number; readonly logger: Logger },
): FeaturePipeline {
  return {
    features,
    async buildContext(stage) {
      let identity: GatewayContext['identity'];
      for (const feature of features) {
        const extra = await feature.buildContext?.(stage);
        if (extra?.identity !== undefined) identity = extra.identity;
      }
      return {
        requestId: stage.requestId,
        clientIp: stage.clientIp,
        identity,
        logger: options.logger,
      };
    },
    async checkOperation({ schema, document, operation, variables: raw, context }) {
      // Defaults applied and values coerced, as execution will see them: the raw request
      // variables would let `$n: Int = 100000` be costed as an absent page size. Invalid
      // variables are left to the executor, which rejects them before planning.
      const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], raw ?? {});
      if (coerced.errors !== undefined) return undefined;
      const variables = coerced.coerced;
      // The walk stops as soon as the operation is over a limit (useOperationLimits rejects it).
      const shape = operationShape(schema, document, operation, variables, {
        maxDepth: options.maxDepth,
        maxCost: options.maxCost,
      });
      for (const feature of features)
        await feature.onOperation?.({ schema, document, operation, variables, context, shape });
      return variables;
    },
    formatError(formatted, error) {
      let out = formatted;
      for (const feature of features)
        if (feature.formatError) out = feature.formatError(out, error);
      return out;
    },
  };
}
