import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApolloServer } from '@apollo/server';
import { acceptRequestId, CONTEXT_HEADERS, type Logger } from '@shop/platform';
import {
  getArgumentValues,
  GraphQLError,
  Kind,
  OperationTypeNode,
  parse,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { clientAddress } from '../client-address.js';
import type { GatewayConfig } from '../config.js';
import type { GatewayContext } from '../gateway-feature.js';
import type { GatewayFeatures } from '../server/features.js';
import type { GatewayMetrics } from '../server/metrics.js';
import type { FeaturePipeline } from '../server/pipeline.js';
import { ConnectionCaps } from './connection-caps.js';
import { logQuery } from './log-query.js';
import {
  executorLogReader,
  LogReadError,
  SubscriptionFeed,
  type SubscriptionHub,
} from './subscription-feed.js';
import { SUBSCRIPTION_SOURCES } from './subscription-sources.js';

interface ConnectionExtra extends Record<PropertyKey, unknown> {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
  context?: GatewayContext;
  expiry?: NodeJS.Timeout;
  /** The ConnectionCaps key this socket holds a slot of, released once when it closes. */
  capKey?: string;
  /** Subscriptions of this socket being opened or served (WS_MAX_SUBSCRIPTIONS_PER_SOCKET). */
  subscriptions?: number;
}

/** The close code of a socket over WS_MAX_SOCKETS_PER_USER (or the anonymous per-address cap). */
export const TOO_MANY_SOCKETS = 4429;

/** What `onSubscribe` prepared: the feed of a subscription, or nothing (a query or mutation). */
interface Prepared {
  readonly feed?: SubscriptionFeed;
  readonly context: GatewayContext;
}

const refused = (message: string, code: string): GraphQLError =>
  new GraphQLError(message, { extensions: { code } });

/**
 * Whether a WebSocket upgrade may come from this page. A browser sends `Origin` with every
 * upgrade and CORS does not apply to WebSockets, so without this check any site could open a
 * socket in a visitor's browser. Allowed: no Origin (not a browser), the gateway's own origin
 * (Sandbox), and the CORS allowlist.
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
): boolean {
  if (origin === undefined) return true;
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

const rejectUpgrade = (socket: Duplex, status: number, reason: string): void => {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
};

/**
 * graphql-ws on the public server's `/graphql`. The connection authenticates at `connection_init`
 * (`{ authorization: "Bearer <jwt>" }`) through the same feature pipeline as an HTTP request and is
 * closed with 4403 when that token expires; each `subscribe` passes the same checks as an HTTP
 * operation (limits, `@authenticated`/`@requiresScopes`, `@rateLimit`). Caps: a user's sockets on
 * this replica (`WS_MAX_SOCKETS_PER_USER`, anonymous ones per address), over which the socket is
 * closed with 4429 after `connection_init`, and a socket's subscriptions
 * (`WS_MAX_SUBSCRIPTIONS_PER_SOCKET`), over which the `subscribe` gets a `RATE_LIMITED` error and
 * the socket and its other subscriptions go on. A subscription is served
 * from its owning subgraph's log (SubscriptionFeed), woken by the event source; queries and
 * mutations sent on the socket go to Apollo as over HTTP.
 */
export function attachWebSocketServer(
  server: Server,
  config: Readonly<GatewayConfig>,
  deps: {
    readonly apollo: ApolloServer<GatewayContext>;
    readonly apiSchema: () => GraphQLSchema;
    readonly pipeline: FeaturePipeline;
    readonly features: GatewayFeatures;
    readonly metrics: GatewayMetrics;
    readonly hub: SubscriptionHub | undefined;
    readonly logger: Logger;
  },
): { close(): Promise<void> } {
  const { pipeline, metrics, logger } = deps;
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.MAX_BODY_BYTES });
  const caps = new ConnectionCaps();

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?')[0];
    const clientIp = clientAddress(
      req.socket.remoteAddress,
      req.headers['x-forwarded-for'],
      config.TRUST_PROXY,
    );
    if (path !== '/graphql') return rejectUpgrade(socket, 404, 'Not Found');
    if (!originAllowed(req.headers.origin, req.headers.host, config.CORS_ORIGINS)) {
      metrics.httpRejections.inc({ reason: 'ws-origin' });
      return rejectUpgrade(socket, 403, 'Forbidden');
    }
    if (!deps.features.floodGuard.admit(clientIp))
      return rejectUpgrade(socket, 429, 'Too Many Requests');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const disposable = useServer<Record<string, unknown> | undefined, ConnectionExtra>(
    {
      async onConnect(ctx) {
        const { request, socket } = ctx.extra;
        const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        const clientIp = clientAddress(
          request.socket.remoteAddress,
          request.headers['x-forwarded-for'],
          config.TRUST_PROXY,
        );
        let context: GatewayContext;
        try {
          context = await pipeline.buildContext({
            clientIp,
            requestId: acceptRequestId(request.headers[CONTEXT_HEADERS.requestId]),
            authorization: typeof raw === 'string' ? raw : undefined,
          });
        } catch (err) {
          if (err instanceof GraphQLError && err.extensions.code === 'UNAUTHENTICATED')
            return false;
          throw err;
        }
        // Counted only once the token is known, so the key is the user, not whoever claims to be.
        // The check and the take are one synchronous step after the await: two connects of one
        // user racing here cannot both take the last slot. A socket that closed during the await
        // takes none (its onClose has run already and would never give it back).
        if (socket.readyState === socket.CLOSED) return false;
        const capKey =
          context.identity === undefined ? `ip:${clientIp}` : `user:${context.identity.sub}`;
        const limit =
          context.identity === undefined
            ? config.WS_MAX_ANONYMOUS_SOCKETS_PER_IP
            : config.WS_MAX_SOCKETS_PER_USER;
        if (!caps.tryAcquire(capKey, limit)) {
          metrics.httpRejections.inc({ reason: 'ws-socket-cap' });
          // graphql-ws then closes with 4403, which ws ignores: the first close code stands.
          socket.close(TOO_MANY_SOCKETS, 'Too many connections');
          return false;
        }
        ctx.extra.capKey = capKey;
        ctx.extra.context = context;
        const expiresAt = context.identity?.expiresAt;
        if (expiresAt !== undefined) {
          // graphql-ws checks the token at connection_init only: past its expiry the socket would
          // go on serving a caller whose session may have ended.
          ctx.extra.expiry = setTimeout(
            () => socket.close(CloseCode.Forbidden, 'Access token expired'),
            Math.max(0, expiresAt - Date.now()),
          );
        }
        metrics.openSockets.inc();
        return true;
      },
      // onClose, not onDisconnect: it runs for every closed socket, acknowledged or not.
      onClose(ctx) {
        clearTimeout(ctx.extra.expiry);
        const capKey = ctx.extra.capKey;
        if (capKey !== undefined) {
          ctx.extra.capKey = undefined;
          caps.release(capKey);
          metrics.openSockets.dec();
        }
      },
      async onSubscribe(ctx, _id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> {
        const context = ctx.extra.context;
        if (context === undefined) return [refused('Not connected', 'UNAUTHENTICATED')];
        if (!deps.features.floodGuard.admit(context.clientIp))
          return [refused('Too many requests', 'RATE_LIMITED')];
        const schema = deps.apiSchema();
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: 10_000 });
        } catch (err) {
          return [refused((err as Error).message, 'GRAPHQL_PARSE_FAILED')];
        }
        const invalid = validate(schema, document);
        if (invalid.length > 0)
          return invalid.map((e) => refused(e.message, 'GRAPHQL_VALIDATION_FAILED'));
        const operations = document.definitions.filter(
          (d): d is OperationDefinitionNode =>
            d.kind === Kind.OPERATION_DEFINITION &&
            (payload.operationName == null || d.name?.value === payload.operationName),
        );
        const operation = operations[0];
        if (operation === undefined || operations.length > 1)
          return [refused('Name the operation to run (operationName)', 'BAD_USER_INPUT')];
        let release: (() => void) | undefined;
        if (operation.operation === OperationTypeNode.SUBSCRIPTION) {
          // The slot is taken before the first await, so concurrent subscribes on one socket
          // cannot overshoot the cap; it is given back on a refusal, or by the feed when it closes.
          const held = ctx.extra.subscriptions ?? 0;
          if (held >= config.WS_MAX_SUBSCRIPTIONS_PER_SOCKET)
            return [
              refused(
                `At most ${config.WS_MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions per connection: complete one first`,
                'RATE_LIMITED',
              ),
            ];
          ctx.extra.subscriptions = held + 1;
          let released = false;
          release = () => {
            if (released) return;
            released = true;
            ctx.extra.subscriptions = (ctx.extra.subscriptions ?? 1) - 1;
          };
        }
        let prepared: Prepared | undefined;
        try {
          let variables: Record<string, unknown> | undefined;
          try {
            variables = await pipeline.checkOperation({
              schema,
              document,
              operation,
              variables: payload.variables ?? undefined,
              context,
            });
          } catch (err) {
            if (err instanceof GraphQLError) return [err];
            throw err;
          }
          if (variables === undefined) return [refused('Invalid variables', 'BAD_USER_INPUT')];
          prepared = { context };
          if (release !== undefined) {
            try {
              prepared = {
                feed: await openFeed(document, operation, variables, context, release),
                context,
              };
            } catch (err) {
              if (err instanceof GraphQLError) return [err];
              throw err;
            }
          }
          return {
            schema,
            document,
            operationName: payload.operationName ?? null,
            variableValues: variables,
            contextValue: prepared,
          };
        } finally {
          // Refused (or failed): the slot goes back; served: the feed gives it back on close.
          if (prepared?.feed === undefined) release?.();
        }
      },
      // Refusals made here (validation, limits, authorization) are formatted and counted like
      // Apollo's on HTTP; errors read from a log come formatted by Apollo already.
      onError: (_ctx, _id, _payload, errors) =>
        errors.map((error) => {
          const formatted = pipeline.formatError(error.toJSON(), error);
          const { http: _http, ...extensions } = formatted.extensions ?? {};
          const code = extensions.code;
          metrics.errorsByCode.inc({ code: typeof code === 'string' ? code : 'INTERNAL' });
          return { ...formatted, extensions };
        }),
      execute: async (args: ExecutionArgs): Promise<ExecutionResult> => {
        // A query or mutation on the socket: Apollo runs it as it runs an HTTP one.
        const { context } = args.contextValue as Prepared;
        const response = await deps.apollo.executeOperation(
          {
            query: args.document,
            variables: args.variableValues ?? {},
            operationName: args.operationName ?? undefined,
          },
          { contextValue: context },
        );
        if (response.body.kind !== 'single')
          throw new Error('incremental delivery is not supported');
        return response.body.singleResult as ExecutionResult;
      },
      subscribe: (args: ExecutionArgs) => {
        const { feed } = args.contextValue as Prepared;
        if (feed === undefined) throw new Error('no feed prepared');
        return feed;
      },
    },
    wss,
    // Keep-alive pings every 12 s: a dead peer (a phone gone out of coverage) is dropped.
    12_000,
  );

  /** The log's current end (a cursor), through the executor as the caller. */
  async function readHead(field: string, context: GatewayContext): Promise<string> {
    const response = await deps.apollo.executeOperation(
      { query: `query SubscriptionHead { ${field} }` },
      { contextValue: { ...context } },
    );
    if (response.body.kind !== 'single') throw new Error('incremental delivery is not expected');
    const { data, errors } = response.body.singleResult;
    const head = data?.[field];
    if (typeof head === 'string') return head;
    const first = errors?.[0];
    throw new GraphQLError(first?.message ?? 'Could not start the subscription', {
      extensions: first?.extensions ?? { code: 'INTERNAL' },
    });
  }

  /** Opens the feed of a subscription's single root field; throws GraphQLErrors to refuse. */
  async function openFeed(
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Record<string, unknown>,
    context: GatewayContext,
    onClose: () => void,
  ): Promise<SubscriptionFeed> {
    const root = operation.selectionSet.selections[0];
    if (operation.selectionSet.selections.length !== 1 || root?.kind !== Kind.FIELD)
      throw refused('A subscription selects exactly one field', 'BAD_USER_INPUT');
    const source = SUBSCRIPTION_SOURCES.get(root.name.value);
    const identity = context.identity;
    if (source === undefined || deps.hub === undefined)
      throw refused(`${root.name.value} is not available on this gateway`, 'BAD_REQUEST');
    if (identity === undefined) throw refused('Sign in to subscribe', 'UNAUTHENTICATED');
    const fieldDef = deps.apiSchema().getSubscriptionType()?.getFields()[root.name.value];
    if (fieldDef === undefined) throw refused('Unknown subscription field', 'BAD_USER_INPUT');
    const args = getArgumentValues(fieldDef, root, variables);
    let after = typeof args.after === 'string' ? args.after : null;
    if (after === null && source.headField !== undefined)
      after = await readHead(source.headField, context);
    const hub = deps.hub;
    let unregister = (): void => undefined;
    const responseKey = root.alias?.value ?? root.name.value;
    const feed = new SubscriptionFeed(
      executorLogReader(
        deps.apollo,
        logQuery(document, operation, root, source.logField),
        variables,
        responseKey,
        context,
      ),
      responseKey,
      after,
      {
        pageSize: config.SUBSCRIPTION_PAGE_SIZE,
        maxQueued: config.SUBSCRIPTION_MAX_QUEUED,
        logger: context.logger,
        onPage: (size) => metrics.subscriptionLogPages.observe(size),
      },
      () => {
        unregister();
        metrics.activeSubscriptions.dec();
        onClose();
      },
    );
    // Registered before the first read: an event that lands while it runs wakes another pass.
    unregister = hub.add(source.wakeKey(args, identity), feed);
    metrics.activeSubscriptions.inc();
    try {
      await feed.open();
    } catch (err) {
      await feed.return();
      if (err instanceof LogReadError) throw err.errors[0] ?? refused('Refused', 'INTERNAL');
      throw err;
    }
    return feed;
  }

  return {
    async close() {
      for (const ws of wss.clients) ws.close(1001, 'Server going away');
      await disposable.dispose();
      logger.debug('websockets closed');
    },
  };
}
