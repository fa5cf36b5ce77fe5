import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** One registry per process, with the default process metrics and a `service` label on every series. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Latency of inbound HTTP requests by method, route and status. */
export function httpRequestDuration(registry: Registry): Histogram<'method' | 'route' | 'status'> {
  return new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Inbound HTTP request latency',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
}

/**
 * GraphQL errors sent to clients, by `extensions.code`. Count them after the error mapping, so that
 * the label takes only the codes of DESIGN section 12.
 */
export function graphqlErrorsTotal(registry: Registry): Counter<'code'> {
  return new Counter({
    name: 'graphql_errors_total',
    help: 'GraphQL errors sent to clients, by extensions.code',
    labelNames: ['code'],
    registers: [registry],
  });
}

/**
 * Resolver latency by `Type.field`. Meant for root fields (and `_entities`) only: one series per
 * field of every type would multiply the series and time every leaf.
 */
export function graphqlResolverDuration(registry: Registry): Histogram<'field'> {
  return new Histogram({
    name: 'graphql_resolver_duration_seconds',
    help: 'GraphQL root-field resolver latency, by Type.field',
    labelNames: ['field'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
}
