import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger, ReadinessCheck } from '@shop/platform';
import type {
  DocumentNode,
  GraphQLFormattedError,
  GraphQLSchema,
  OperationDefinitionNode,
} from 'graphql';
import type { OperationShape } from './operation-shape.js';

/**
 * The claims of an access token the gateway verified (`useJwtAuth`). Not the subgraphs' `VerifiedToken`
 * (@shop/subgraph-kit), which is what a subgraph reads from the gateway proof.
 */
export interface VerifiedToken {
  readonly sub: string;
  readonly roles: readonly string[];
  /** The token's `exp`, in ms since the epoch: a WebSocket opened with it is closed then. */
  readonly expiresAt: number;
}

/** Per-request state shared by every feature. */
export interface GatewayContext {
  readonly requestId: string;
  readonly clientIp: string;
  readonly identity: VerifiedToken | undefined;
  readonly logger: Logger;
}

/** An operation ready to be planned. */
export interface ResolvedOperation {
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  /** Coerced variable values, defaults applied (what execution sees). */
  readonly variables: Readonly<Record<string, unknown>>;
  readonly context: GatewayContext;
  /** The shape computed once per operation (fields with fragments expanded, depth, cost, aliases). */
  readonly shape: OperationShape;
}

/**
 * Who is calling, as the transport found it: an HTTP request's `Authorization` header, or a
 * WebSocket's `connection_init` payload. Both paths build the context through the same features.
 */
export interface CallerStage {
  readonly clientIp: string;
  readonly requestId: string;
  /** `Bearer <jwt>`, or undefined for an anonymous caller. */
  readonly authorization: string | undefined;
}

/** What the HTTP stage knows before the body is read. */
export interface HttpStage {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly clientIp: string;
  readonly requestId: string;
}

/**
 * One gateway feature (`use-x.ts` exports `useX(options)` returning this). Features are composed as
 * an array; each hook runs in array order.
 */
export interface GatewayFeature {
  readonly name: string;
  /** Before the body is read; return false after answering the response to stop the request. */
  readonly onHttpRequest?: (stage: HttpStage) => boolean;
  /** Adds fields to the context; throw a GraphQLError to reject the request. */
  readonly buildContext?: (
    stage: CallerStage,
  ) =>
    Promise<Partial<Pick<GatewayContext, 'identity'>>> | Partial<Pick<GatewayContext, 'identity'>>;
  /**
   * After the operation is parsed, validated and selected, before any subgraph is called. Hooks of
   * all features run one after the other in array order; throw a GraphQLError to reject.
   */
  readonly onOperation?: (operation: ResolvedOperation) => Promise<void> | void;
  readonly plugins?: readonly ApolloServerPlugin<GatewayContext>[];
  /** Called for every request to a subgraph (RemoteGraphQLDataSource.willSendRequest). */
  readonly onSubgraphRequest?: (args: {
    readonly subgraph: string;
    readonly request: GraphQLDataSourceProcessOptions['request'];
    readonly context: GatewayContext | undefined;
  }) => Promise<void> | void;
  /** Rewrites each error sent to the client; hooks chain in array order. */
  readonly formatError?: (
    formatted: GraphQLFormattedError,
    error: unknown,
  ) => GraphQLFormattedError;
  readonly readinessChecks?: Readonly<Record<string, ReadinessCheck>>;
  readonly close?: () => Promise<void> | void;
}
