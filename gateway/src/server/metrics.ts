import { createMetricsRegistry, graphqlErrorsTotal, httpRequestDuration } from '@shop/platform';
import { Counter, Gauge, type Registry } from 'prom-client';

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
  };
}
