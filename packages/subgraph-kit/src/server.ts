import type { KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type BaseContext } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import {
  acceptRequestId,
  CONTEXT_HEADERS,
  createMetricsRegistry,
  createOpsHandler,
  graphqlErrorsTotal,
  graphqlResolverDuration,
  httpRequestDuration,
  runWithContext,
  type Logger,
  type ReadinessCheck,
} from '@shop/platform';
import type { GraphQLSchema } from 'graphql';
import type { Counter, Registry } from 'prom-client';
import { createErrorFormatter } from './errors.js';
import {
  GATEWAY_PROOF_HEADER,
  InvalidGatewayProofError,
  verifyGatewayProof,
} from './gateway-proof.js';
import type { Identity } from './identity.js';
import { resolverTimingPlugin } from './resolver-timing.js';
import { serviceIdentity, type ServiceKeys } from './service-caller.js';

/** What every resolver gets; services add their own per-request collaborators in `createContext`. */
export interface BaseSubgraphContext {
  readonly identity: Identity;
  readonly requestId: string;
}

export interface SubgraphServerOptions<C extends BaseSubgraphContext> {
  /**
   * The service name, as in the supergraph: the `service` label of its metrics and the audience
   * its gateway proofs must carry.
   */
  readonly name: string;
  readonly schema: GraphQLSchema;
  readonly logger: Logger;
  /**
   * Where the server registers `http_request_duration_seconds`, `graphql_errors_total{code}` and
   * `graphql_resolver_duration_seconds{field}`, served on /metrics.
   * @default createMetricsRegistry(name)
   */
  readonly registry?: Registry;
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  /**
   * The gateway's Ed25519 public key that verifies its proofs (each proof's `aud` must be `name`).
   * The config (subgraphConfigSchema) refuses the development key in production.
   */
  readonly gatewayProofKey: KeyObject;
  /**
   * Public keys of the services allowed to call this one directly with their own signed identity
   * (`x-service-token`, audience = `name`); such a call gets a `service` identity, not a user.
   * @default none: only the gateway may call
   */
  readonly serviceKeys?: ServiceKeys;
  /** Masks unexpected errors and turns off introspection. */
  readonly production: boolean;
  /** Builds the per-request context (an `em.fork()`, loaders...) from the verified base. */
  readonly createContext: (base: BaseSubgraphContext) => C | Promise<C>;
  /** Extra HTTP routes handled before GraphQL (e.g. the users JWKS); return true when handled. */
  readonly routes?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean> | boolean;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 1_000_000 bytes */
  readonly maxBodyBytes?: number;
}

export interface RunningSubgraph {
  readonly server: Server;
  readonly port: number;
  readonly url: string;
  /** Stops accepting connections, drains Apollo, closes idle sockets. */
  close(): Promise<void>;
}

/**
 * Reads the request body as text, or returns `undefined` once it exceeds `limit` bytes. The rest
 * is then read and dropped rather than the stream destroyed: destroying it resets the socket
 * mid-upload and the client never sees the 413.
 */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.resume();
      chunks.length = 0;
      resolve(undefined);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

/** 413, and the connection is closed after it (the rest of the upload is not worth reading). */
function sendTooLarge(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  errors: Counter<'code'>,
): number {
  req.resume();
  sendError(errors, res, 413, 'BAD_USER_INPUT', 'request body too large', requestId, {
    connection: 'close',
  });
  return 413;
}

/** Answers with one GraphQL error of our own (not Apollo's), counted like Apollo's. */
function sendError(
  errors: Counter<'code'>,
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  requestId: string,
  headers: Record<string, string> = {},
): void {
  errors.inc({ code });
  res
    .writeHead(status, {
      ...headers,
      'content-type': 'application/json',
      [CONTEXT_HEADERS.requestId]: requestId,
    })
    .end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

/**
 * Serves a subgraph: POST /graphql (Apollo Server 5 on node:http) behind the gateway-proof check,
 * plus /healthz, /readyz and /metrics. Every request gets a request id (accepted from
 * `x-request-id` or generated) that is echoed back and present in every log line.
 */
export async function startSubgraphServer<C extends BaseSubgraphContext>(
  options: SubgraphServerOptions<C>,
): Promise<RunningSubgraph> {
  const { logger } = options;
  const registry = options.registry ?? createMetricsRegistry(options.name);
  const ops = createOpsHandler({ registry, checks: options.checks });
  const duration = httpRequestDuration(registry);
  const errorsByCode = graphqlErrorsTotal(registry);
  const formatError = createErrorFormatter({
    production: options.production,
    onUnexpected: (err) => logger.error({ err }, 'unexpected error in resolver'),
  });
  const maxBody = options.maxBodyBytes ?? 1_000_000;
  const apollo = new ApolloServer<C & BaseContext>({
    schema: options.schema,
    introspection: !options.production,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    // main.ts owns SIGTERM/SIGINT (installGracefulShutdown); Apollo's own handler would re-raise
    // the signal after stopping and kill the process before the other hooks run.
    stopOnTerminationSignals: false,
    // Counted here rather than in a plugin hook: every error Apollo sends passes through
    // formatError once, including those answered before the request pipeline (a bad request, a
    // failed createContext) that no plugin sees formatted.
    formatError: (formatted, error) => {
      const out = formatError(formatted, error);
      const code = out.extensions?.code;
      errorsByCode.inc({ code: typeof code === 'string' ? code : 'INTERNAL' });
      return out;
    },
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      resolverTimingPlugin(graphqlResolverDuration(registry)),
    ],
  });
  await apollo.start();

  const handleGraphQL = async (
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
  ): Promise<number> => {
    const proof = req.headers[GATEWAY_PROOF_HEADER];
    let identity: Identity;
    try {
      identity =
        (await serviceIdentity(req.headers, options.name, options.serviceKeys)) ??
        (await verifyGatewayProof(
          Array.isArray(proof) ? proof[0] : proof,
          options.gatewayProofKey,
          options.name,
        ));
    } catch (err) {
      if (!(err instanceof InvalidGatewayProofError)) throw err;
      logger.warn(
        { reason: err.message, remote: req.socket.remoteAddress },
        'rejected request without a valid gateway proof',
      );
      sendError(
        errorsByCode,
        res,
        401,
        'UNAUTHENTICATED',
        'requests must come through the gateway',
        requestId,
      );
      return 401;
    }
    let body: unknown;
    if (req.method === 'POST') {
      if (Number(req.headers['content-length'] ?? 0) > maxBody)
        return sendTooLarge(req, res, requestId, errorsByCode);
      const text = await readBody(req, maxBody);
      if (text === undefined) return sendTooLarge(req, res, requestId, errorsByCode);
      try {
        body = text.length > 0 ? JSON.parse(text) : {};
      } catch {
        sendError(
          errorsByCode,
          res,
          400,
          'BAD_USER_INPUT',
          'request body is not valid JSON',
          requestId,
        );
        return 400;
      }
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = new URL(req.url ?? '/', 'http://subgraph');
    const base: BaseSubgraphContext = { identity, requestId };
    const response = await runWithContext(
      { requestId, ...(identity.userId !== undefined ? { userId: identity.userId } : {}) },
      () =>
        apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: req.method ?? 'POST', headers, search: url.search, body },
          context: async () => await options.createContext(base),
        }),
    );
    const status = response.status ?? 200;
    const outHeaders: Record<string, string> = { [CONTEXT_HEADERS.requestId]: requestId };
    for (const [key, value] of response.headers) outHeaders[key] = value;
    res.writeHead(status, outHeaders);
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
    } else {
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    }
    return status;
  };

  const server = createServer((req, res) => {
    const requestId = acceptRequestId(req.headers[CONTEXT_HEADERS.requestId]);
    const path = (req.url ?? '/').split('?')[0];
    const end = duration.startTimer({ method: req.method ?? 'GET' });
    const route = path === '/graphql' ? '/graphql' : 'other';
    // Every log line of the request carries its id, a rejected proof's included.
    void runWithContext({ requestId }, async () => {
      try {
        if (await ops(req, res)) return end({ route: path, status: res.statusCode });
        if (options.routes !== undefined && (await options.routes(req, res))) {
          return end({ route: path, status: res.statusCode });
        }
        if (path !== '/graphql') {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
          return end({ route, status: 404 });
        }
        end({ route, status: await handleGraphQL(req, res, requestId) });
      } catch (err) {
        logger.error({ err }, 'request failed');
        if (!res.headersSent)
          sendError(errorsByCode, res, 500, 'INTERNAL', 'Internal server error', requestId);
        else res.end();
        end({ route, status: 500 });
      }
    });
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  return {
    server,
    port,
    url: `http://${host}:${port}/graphql`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await apollo.stop();
    },
  };
}
