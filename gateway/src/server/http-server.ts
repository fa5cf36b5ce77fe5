import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import { acceptRequestId, CONTEXT_HEADERS, runWithContext, type Logger } from '@shop/platform';
import { clientAddress } from '../client-address.js';
import type { GatewayConfig } from '../config.js';
import type { GatewayContext, HttpStage } from '../gateway-feature.js';
import type { GatewayFeatures } from './features.js';
import { BodyRefused, jsonError, readGraphQLBody } from './http-body.js';
import type { GatewayMetrics } from './metrics.js';
import type { FeaturePipeline } from './pipeline.js';

type OpsHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/**
 * The public HTTP server: `/graphql` (queries and mutations through Apollo; the WebSocket upgrade
 * is attached by ws-server.ts) and the liveness probe `/healthz`.
 */
export function createPublicHttpServer(
  config: Readonly<GatewayConfig>,
  deps: {
    readonly apollo: ApolloServer<GatewayContext>;
    readonly pipeline: FeaturePipeline;
    readonly features: GatewayFeatures;
    readonly metrics: GatewayMetrics;
    readonly ops: OpsHandler;
    readonly logger: Logger;
  },
): Server {
  const { apollo, pipeline, metrics, logger } = deps;

  const handleGraphQL = async (stage: HttpStage): Promise<void> => {
    const { req, res } = stage;
    for (const feature of pipeline.features) if (feature.onHttpRequest?.(stage) === false) return;
    let body: unknown;
    if (req.method === 'POST') {
      try {
        body = await readGraphQLBody(req, {
          maxBytes: config.MAX_BODY_BYTES,
          maxBatch: config.MAX_BATCH,
        });
      } catch (err) {
        if (!(err instanceof BodyRefused)) throw err;
        if (err.reason !== 'invalid-json') metrics.httpRejections.inc({ reason: err.reason });
        if (err.reason === 'body-too-large') res.setHeader('connection', 'close');
        return jsonError(res, err.status, 'BAD_USER_INPUT', err.message);
      }
      // A batch of N operations costs N tokens, as N requests would: one was taken above.
      if (Array.isArray(body) && !deps.features.floodGuard.charge(stage, body.length - 1)) return;
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers))
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    const url = new URL(req.url ?? '/', 'http://gateway');
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: () =>
        pipeline.buildContext({
          clientIp: stage.clientIp,
          requestId: stage.requestId,
          authorization: req.headers.authorization,
        }),
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

  const server = createServer((req, res) => {
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
      metrics.httpDuration.observe(
        { method: req.method ?? 'GET', route, status: String(res.statusCode) },
        (performance.now() - started) / 1000,
      );
    });
    runWithContext({ requestId }, async () => {
      // Only the liveness probe on the public port: /metrics and /readyz (a Redis PING each) are
      // the operations port's, out of reach of clients and of the flood they could make of them.
      if (path === '/healthz' && (await deps.ops(req, res))) return;
      if (path !== '/graphql') return jsonError(res, 404, 'NOT_FOUND', 'Not found');
      await handleGraphQL({ req, res, clientIp, requestId });
    }).catch((err: unknown) => {
      logger.error({ err }, 'request failed');
      if (!res.headersSent) jsonError(res, 500, 'INTERNAL', 'Internal server error');
      else res.end();
    });
  });
  server.keepAliveTimeout = 65_000;
  return server;
}

/** The operations server: `/metrics`, `/readyz`, `/healthz`, out of the clients' reach. */
export function createOpsHttpServer(ops: OpsHandler, logger: Logger): Server {
  return createServer((req, res) => {
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
}
