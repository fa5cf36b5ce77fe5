import { createMetricsRegistry, graphqlErrorsTotal, httpRequestDuration } from '@shop/platform';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The gateway's own metrics, on one registry (served on the operations port). */
export interface GatewayMetrics {
  readonly registry: Registry;
  readonly httpDuration: ReturnType<typeof httpRequestDuration>;
  readonly rateLimitRejections: Counter<'field'>;
  /** Requests (and WebSocket upgrades) rejected before GraphQL parsing, by reason. */
  readonly httpRejections: Counter<'reason'>;
  readonly errorsByCode: ReturnType<typeof graphqlErrorsTotal>;
  readonly openSockets: Gauge;
  readonly activeSubscriptions: Gauge;
  /** Updates per subscription log read: the count is the reads, no read exceeds the page size. */
  readonly subscriptionLogPages: Histogram;
}

export function createGatewayMetrics(): GatewayMetrics {
  const registry = createMetricsRegistry('gateway');
  return {
    registry,
    httpDuration: httpRequestDuration(registry),
    rateLimitRejections: new Counter({
      name: 'graphql_rate_limit_rejections_total',
      help: 'Operations rejected by @rateLimit, by field',
      labelNames: ['field'],
      registers: [registry],
    }),
    httpRejections: new Counter({
      name: 'gateway_http_rejections_total',
      help: 'Requests rejected before GraphQL parsing, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    errorsByCode: graphqlErrorsTotal(registry),
    openSockets: new Gauge({
      name: 'gateway_websockets_open',
      help: 'graphql-ws connections open on this replica',
      registers: [registry],
    }),
    activeSubscriptions: new Gauge({
      name: 'gateway_subscriptions_active',
      help: 'Subscriptions being served by this replica',
      registers: [registry],
    }),
    subscriptionLogPages: new Histogram({
      name: 'gateway_subscription_log_page_updates',
      help: 'Updates returned per subscription log read (bounded by SUBSCRIPTION_PAGE_SIZE)',
      buckets: [0, 1, 5, 10, 25, 50, 100, 200],
      registers: [registry],
    }),
  };
}
