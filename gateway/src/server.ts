import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import {
  ApolloGateway,
  RemoteGraphQLDataSource,
  type GraphQLDataSourceProcessOptions,
} from '@apollo/gateway';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import {
  acceptRequestId,
  CONTEXT_HEADERS,
  createMetricsRegistry,
  createOpsHandler,
  graphqlErrorsTotal,
  httpRequestDuration,
  runWithContext,
  type Logger,
  type ReadinessCheck,
} from '@shop/platform';
import { getVariableValues } from 'graphql';
import { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import { clientAddress } from './client-address.js';
import type { GatewayConfig } from './config.js';
import { useAuthorization } from './features/use-authorization.js';
import { useCors } from './features/use-cors.js';
import { useErrorMasking } from './features/use-error-masking.js';
import { useGatewayProof } from './features/use-gateway-proof.js';
import { useHttpFloodGuard } from './features/use-http-flood-guard.js';
import { useJwtAuth } from './features/use-jwt-auth.js';
import { useOperationLimits } from './features/use-operation-limits.js';
import { useRateLimit } from './features/use-rate-limit.js';
import type { GatewayContext, GatewayFeature, HttpStage } from './gateway-feature.js';
import { operationShape } from './operation-shape.js';
import { createSubgraphFetcher } from './subgraph-fetcher.js';
import { loadSupergraph } from './supergraph.js';

export interface GatewayServer {
  readonly registry: Registry;
  /**
   * Listens on the public port (`/graphql`, `/healthz`) and on the operations port (`/metrics`,
   * `/readyz`, `/healthz`) and resolves with both bound ports (0 picks a free one).
   */
  listen(
    port: number,
    host: string,
    ops: { readonly port: number; readonly host: string },
  ): Promise<{ port: number; opsPort: number }>;
  close(): Promise<void>;
}

class ShopDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    url: string,
    private readonly subgraph: string,
    private readonly features: readonly GatewayFeature[],
    fetcher: ReturnType<typeof createSubgraphFetcher>['fetcher'],
  ) {
    super({ url, fetcher });
  }

  override async willSendRequest(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
  ): Promise<void> {
    // GraphQLDataSourceRequestKind is not exported; its INCOMING_OPERATION value is this string.
    const context =
      (options.kind as string) === 'incoming operation'
        ? (options.context as GatewayContext)
        : undefined;
    for (const feature of this.features)
      await feature.onSubgraphRequest?.({
        subgraph: this.subgraph,
        request: options.request,
        context,
      });
  }
}

const jsonError = (res: ServerResponse, status: number, code: string, message: string): void => {
  res
    .writeHead(status, { 'content-type': 'application/json' })
    .end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
};

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Builds the gateway: features, Apollo gateway + server, and the HTTP server in front of them. */
export async function createGatewayServer(
  config: Readonly<GatewayConfig>,
  logger: Logger,
): Promise<GatewayServer> {
  const development = config.NODE_ENV === 'development';
  const supergraph = await loadSupergraph(resolve(config.SUPERGRAPH_PATH));
  const registry = createMetricsRegistry('gateway');
  const httpDuration = httpRequestDuration(registry);
  const rateLimitRejections = new Counter({
    name: 'graphql_rate_limit_rejections_total',
    help: 'Operations rejected by @rateLimit, by field',
    labelNames: ['field'],
    registers: [registry],
  });
  const httpRejections = new Counter({
    name: 'gateway_http_rejections_total',
    help: 'Requests rejected before GraphQL parsing, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  const errorsByCode = graphqlErrorsTotal(registry);
  // commandTimeout: a stalled Redis (a paused process keeps the connection open and answers
  // nothing) must fail each command at its deadline, queued commands included; reconnecting only
  // helps against a dead one.
  const redis = new Redis(config.REDIS_URL, {
    maxRetriesPerRequest: 2,
    lazyConnect: false,
    commandTimeout: config.REDIS_TIMEOUT_MS,
    connectTimeout: Math.max(config.REDIS_TIMEOUT_MS, 2000),
  });
  redis.on('error', (err) => logger.warn({ err }, 'redis error'));

  const cors = useCors({ origins: config.CORS_ORIGINS });
  const floodGuard = useHttpFloodGuard({
    ratePerSecond: config.HTTP_RATE_PER_SECOND,
    burst: config.HTTP_BURST,
    rejections: httpRejections,
    beforeReject: cors.setResponseHeaders,
  });
  const features: readonly GatewayFeature[] = [
    // First, so that CORS preflights are throttled too. Its 429 carries the CORS response headers,
    // so a browser on an allowed origin can read the Retry-After.
    floodGuard,
    cors,
    useJwtAuth({
      jwksUrl: config.JWKS_URL,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      clockToleranceSeconds: config.JWT_CLOCK_TOLERANCE_SECONDS,
      jwksCacheMaxAgeSeconds: config.JWKS_CACHE_MAX_AGE_SECONDS,
      jwksCooldownSeconds: config.JWKS_COOLDOWN_SECONDS,
      logger,
    }),
    useOperationLimits({
      maxDepth: config.MAX_DEPTH,
      maxCost: config.MAX_COST,
      maxAliases: config.MAX_ALIASES,
    }),
    useAuthorization({ policies: supergraph.policies }),
    useRateLimit({
      policies: supergraph.policies,
      redis,
      keyPrefix: config.REDIS_PREFIX,
      timeoutMs: config.REDIS_TIMEOUT_MS,
      rejections: rateLimitRejections,
    }),
    useGatewayProof({ privateKey: config.GATEWAY_PROOF_PRIVATE_KEY }),
    useErrorMasking({ production: config.NODE_ENV === 'production' }),
  ];

  const subgraphFetcher = createSubgraphFetcher({ timeoutMs: config.SUBGRAPH_TIMEOUT_MS });
  const gateway = new ApolloGateway({
    supergraphSdl: supergraph.sdl,
    buildService: ({ name, url }) =>
      new ShopDataSource(
        config.SUBGRAPH_URLS.get(name) ?? url ?? '',
        name,
        features,
        subgraphFetcher.fetcher,
      ),
  });

  const guard: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation(rc) {
          if (rc.operation === undefined) return;
          // Defaults applied and values coerced, as execution will see them: the raw request
          // variables would let `$n: Int = 100000` be costed as an absent page size. Invalid
          // variables are left to the gateway's executor, which rejects them before planning.
          const coerced = getVariableValues(
            rc.schema,
            rc.operation.variableDefinitions ?? [],
            rc.request.variables ?? {},
          );
          if (coerced.errors !== undefined) return;
          const variables = coerced.coerced;
          // The walk stops as soon as the operation is over a limit (useOperationLimits rejects it).
          const shape = operationShape(rc.schema, rc.document, rc.operation, variables, {
            maxDepth: config.MAX_DEPTH,
            maxCost: config.MAX_COST,
          });
          for (const feature of features)
            await feature.onOperation?.({
              schema: rc.schema,
              document: rc.document,
              operation: rc.operation,
              variables,
              context: rc.contextValue,
              shape,
            });
        },
        async didEncounterErrors(rc) {
          for (const error of rc.errors) {
            const code = error.extensions?.code;
            if (code === undefined || code === 'INTERNAL_SERVER_ERROR' || code === 'INTERNAL')
              rc.contextValue.logger.error({ err: error.originalError ?? error }, 'internal error');
          }
        },
      };
    },
  };

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: development,
    csrfPrevention: true,
    allowBatchedHttpRequests: true,
    // Apollo's own guard counts the selections of the operation with every fragment spread
    // expanded (memoised, at validation). The cost limit already bounds fields that cost something;
    // this bounds what costs nothing (`__typename`, skipped fields) spread 2^n times, which the
    // query planner would otherwise expand. A legitimate operation has at most a few selections
    // per costed field.
    maxRecursiveSelections: 4 * config.MAX_COST,
    // main.ts owns SIGTERM/SIGINT (installGracefulShutdown); Apollo's own handler would re-raise
    // the signal after stopping and kill the process before the other hooks run.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: development,
    hideSchemaDetailsFromClientErrors: !development,
    formatError: (formatted, error) => {
      let out = formatted;
      for (const feature of features)
        if (feature.formatError) out = feature.formatError(out, error);
      const code = out.extensions?.code;
      errorsByCode.inc({ code: typeof code === 'string' ? code : 'INTERNAL' });
      return out;
    },
    plugins: [
      guard,
      ...features.flatMap((f) => f.plugins ?? []),
      development
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })
        : ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  const ops = createOpsHandler({
    registry,
    checks: {
      // No supergraph check: it is loaded from a file before listen(), and a failure stops the
      // process, so a listening gateway always has one.
      redis: async () => {
        await redis.ping();
      },
      ...(Object.assign({}, ...features.map((f) => f.readinessChecks ?? {})) as Record<
        string,
        ReadinessCheck
      >),
    },
  });

  const handleGraphQL = async (stage: HttpStage): Promise<void> => {
    const { req, res } = stage;
    for (const feature of features) if (feature.onHttpRequest?.(stage) === false) return;
    let body: unknown;
    if (req.method === 'POST') {
      let text: string;
      try {
        text = await readBody(req, config.MAX_BODY_BYTES);
      } catch (err) {
        if (!(err instanceof BodyTooLarge)) throw err;
        httpRejections.inc({ reason: 'body-too-large' });
        res.setHeader('connection', 'close');
        return jsonError(
          res,
          413,
          'BAD_USER_INPUT',
          `Request body over ${config.MAX_BODY_BYTES} bytes`,
        );
      }
      const contentType = req.headers['content-type'] ?? '';
      if (contentType.includes('application/json')) {
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          return jsonError(res, 400, 'BAD_USER_INPUT', 'Request body is not valid JSON');
        }
        if (Array.isArray(body) && body.length > config.MAX_BATCH) {
          httpRejections.inc({ reason: 'batch' });
          return jsonError(
            res,
            400,
            'BAD_USER_INPUT',
            `Batch of ${body.length} operations; the limit is ${config.MAX_BATCH}`,
          );
        }
        // A batch of N operations costs N tokens, as N requests would: one was taken above.
        if (Array.isArray(body) && !floodGuard.charge(stage, body.length - 1)) return;
      } else body = text;
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers))
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    const url = new URL(req.url ?? '/', 'http://gateway');
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: async () => {
        let identity: GatewayContext['identity'];
        for (const feature of features) {
          const extra = await feature.buildContext?.(stage);
          if (extra?.identity !== undefined) identity = extra.identity;
        }
        return {
          requestId: stage.requestId,
          clientIp: stage.clientIp,
          identity,
          logger,
        };
      },
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };

  const server: Server = createServer((req, res) => {
    const started = performance.now();
    const requestId = acceptRequestId(req.headers[CONTEXT_HEADERS.requestId]);
    res.setHeader(CONTEXT_HEADERS.requestId, requestId);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const clientIp = clientAddress(
      req.socket.remoteAddress,
      req.headers['x-forwarded-for'],
      config.TRUST_PROXY,
    );
    res.once('finish', () => {
      const route = path === '/graphql' ? '/graphql' : 'other';
      httpDuration.observe(
        { method: req.method ?? 'GET', route, status: String(res.statusCode) },
        (performance.now() - started) / 1000,
      );
    });
    runWithContext({ requestId }, async () => {
      // Only the liveness probe on the public port: /metrics and /readyz (a Redis PING each) are
      // the operations port's, out of reach of clients and of the flood they could make of them.
      if (path === '/healthz' && (await ops(req, res))) return;
      if (path !== '/graphql') return jsonError(res, 404, 'NOT_FOUND', 'Not found');
      await handleGraphQL({ req, res, clientIp, requestId });
    }).catch((err: unknown) => {
      logger.error({ err }, 'request failed');
      if (!res.headersSent) jsonError(res, 500, 'INTERNAL', 'Internal server error');
      else res.end();
    });
  });
  server.keepAliveTimeout = 65_000;

  const opsServer: Server = createServer((req, res) => {
    ops(req, res)
      .then((handled) => {
        if (!handled) jsonError(res, 404, 'NOT_FOUND', 'Not found');
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'ops request failed');
        if (!res.headersSent) jsonError(res, 500, 'INTERNAL', 'Internal server error');
        else res.end();
      });
  });

  const listenOn = (s: Server, port: number, host: string): Promise<number> =>
    new Promise((resolvePort, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => resolvePort((s.address() as AddressInfo).port));
    });

  return {
    registry,
    async listen(port, host, opsAt) {
      const opsPort = await listenOn(opsServer, opsAt.port, opsAt.host);
      return { port: await listenOn(server, port, host), opsPort };
    },
    async close() {
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeIdleConnections();
      });
      await new Promise<void>((done) => {
        opsServer.close(() => done());
        opsServer.closeIdleConnections();
      });
      await apollo.stop();
      for (const feature of features) await feature.close?.();
      await redis.quit().catch(() => undefined);
      await subgraphFetcher.close();
    },
  };
}
