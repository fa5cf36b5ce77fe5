import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createOpsHandler, type Logger, type ReadinessCheck } from '@shop/platform';
import type { Registry } from 'prom-client';
import type { GatewayConfig } from './config.js';
import { createApollo } from './server/apollo.js';
import { createGatewayFeatures } from './server/features.js';
import { createOpsHttpServer, createPublicHttpServer } from './server/http-server.js';
import { createGatewayMetrics } from './server/metrics.js';
import { createFeaturePipeline } from './server/pipeline.js';
import { createGatewayRedis } from './server/redis.js';
import { createSubgraphFetcher } from './subgraph-fetcher.js';
import { createDeliveryEventSource } from './subscriptions/delivery-event-source.js';
import { SubscriptionHub } from './subscriptions/subscription-feed.js';
import { wakeKeysOf } from './subscriptions/subscription-sources.js';
import { attachWebSocketServer } from './subscriptions/ws-server.js';
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

/** The periodic resync wakes its subscriptions in this many steps per interval (see resyncSlice). */
const RESYNC_SLICES = 30;

const listenOn = (s: Server, port: number, host: string): Promise<number> =>
  new Promise((resolvePort, reject) => {
    s.once('error', reject);
    s.listen(port, host, () => resolvePort((s.address() as AddressInfo).port));
  });

const closeServer = (s: Server): Promise<void> =>
  new Promise<void>((done) => {
    s.close(() => done());
    s.closeIdleConnections();
  });

/** The composition root of the gateway: each concern is built by its module in server/. */
export async function createGatewayServer(
  config: Readonly<GatewayConfig>,
  logger: Logger,
): Promise<GatewayServer> {
  const supergraph = await loadSupergraph(resolve(config.SUPERGRAPH_PATH));
  const metrics = createGatewayMetrics();
  const redis = createGatewayRedis(config.REDIS_URL, config.REDIS_TIMEOUT_MS, logger);
  const features = createGatewayFeatures(config, {
    policies: supergraph.policies,
    redis,
    metrics,
    logger,
  });
  const pipeline = createFeaturePipeline(features.all, {
    maxDepth: config.MAX_DEPTH,
    maxCost: config.MAX_COST,
    logger,
  });
  const subgraphFetcher = createSubgraphFetcher({ timeoutMs: config.SUBGRAPH_TIMEOUT_MS });
  const { apollo, apiSchema } = await createApollo(config, {
    supergraphSdl: supergraph.sdl,
    pipeline,
    metrics,
    fetcher: subgraphFetcher.fetcher,
  });

  const events =
    !config.SUBSCRIPTIONS_ENABLED || config.KAFKA_BROKERS.length === 0
      ? undefined
      : createDeliveryEventSource({
          brokers: config.KAFKA_BROKERS,
          topic: config.DELIVERY_EVENTS_TOPIC,
          timeoutMs: config.KAFKA_TIMEOUT_MS,
          logger,
        });
  const hub = events === undefined ? undefined : new SubscriptionHub();
  if (events === undefined)
    logger.info('subscriptions are off (SUBSCRIPTIONS_ENABLED, KAFKA_BROKERS)');

  const ops = createOpsHandler({
    registry: metrics.registry,
    checks: {
      // No supergraph check: it is loaded from a file before listen(), and a failure stops the
      // process, so a listening gateway always has one.
      redis: async () => {
        await redis.ping();
      },
      ...(events === undefined
        ? {}
        : {
            'delivery-events': async () => {
              await Promise.resolve();
              if (!events.ready()) throw new Error('the event source has not joined yet');
            },
          }),
      ...(Object.assign({}, ...features.all.map((f) => f.readinessChecks ?? {})) as Record<
        string,
        ReadinessCheck
      >),
    },
  });
  const server = createPublicHttpServer(config, {
    apollo,
    pipeline,
    features,
    metrics,
    ops,
    logger,
  });
  const opsServer = createOpsHttpServer(ops, logger);
  const sockets = attachWebSocketServer(server, config, {
    apollo,
    apiSchema,
    pipeline,
    features,
    metrics,
    hub,
    logger,
  });
  let resyncTimer: NodeJS.Timeout | undefined;
  if (events !== undefined && hub !== undefined) {
    // Not awaited: the consumer joins in the background (kafkajs retries) and each join wakes
    // every subscription; until then they are served from their logs on the resync timer.
    events
      .start({ onSignal: (signal) => hub.wake(wakeKeysOf(signal)), onResync: () => hub.wakeAll() })
      .catch((err: unknown) => logger.error({ err }, 'delivery event source failed'));
    resyncTimer = setInterval(
      () => hub.resyncSlice(RESYNC_SLICES),
      config.SUBSCRIPTION_RESYNC_MS / RESYNC_SLICES,
    );
    resyncTimer.unref();
  }

  return {
    registry: metrics.registry,
    async listen(port, host, opsAt) {
      const opsPort = await listenOn(opsServer, opsAt.port, opsAt.host);
      return { port: await listenOn(server, port, host), opsPort };
    },
    async close() {
      clearInterval(resyncTimer);
      await sockets.close();
      await events?.close();
      await closeServer(server);
      await closeServer(opsServer);
      await apollo.stop();
      for (const feature of features.all) await feature.close?.();
      await redis.quit().catch(() => undefined);
      await subgraphFetcher.close();
    },
  };
}
