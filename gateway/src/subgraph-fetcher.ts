import { STATUS_CODES } from 'node:http';
import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import { Agent, request } from 'undici';

type Fetcher = NonNullable<ConstructorParameters<typeof RemoteGraphQLDataSource>[0]>['fetcher'];

export interface SubgraphFetcherOptions {
  /** Deadline for the response headers and, separately, for the body. @default 10000 */
  readonly timeoutMs?: number;
  /** Keep-alive connections per subgraph origin. @default 128 */
  readonly connections?: number;
}

/**
 * The gateway's subgraph HTTP client: undici's request() over a keep-alive pool, shaped as the
 * small part of a fetch Response that RemoteGraphQLDataSource reads. The default
 * (make-fetch-happen) builds an Error per request to sniff the protocol and costs several times
 * more CPU per subgraph call.
 */
export function createSubgraphFetcher(options: SubgraphFetcherOptions = {}): {
  fetcher: Fetcher;
  close: () => Promise<void>;
} {
  const timeout = options.timeoutMs ?? 10_000;
  const dispatcher = new Agent({
    connections: options.connections ?? 128,
    keepAliveTimeout: 30_000,
    headersTimeout: timeout,
    bodyTimeout: timeout,
  });
  const fetcher = async (
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: string },
  ) => {
    const res = await request(url, {
      method: (init.method ?? 'POST') as 'POST',
      headers: init.headers,
      body: init.body,
      dispatcher,
    });
    const header = (name: string): string | null => {
      const value = res.headers[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    };
    return {
      ok: res.statusCode >= 200 && res.statusCode < 300,
      status: res.statusCode,
      statusText: STATUS_CODES[res.statusCode] ?? '',
      url,
      headers: { get: header, has: (name: string) => header(name) !== null },
      json: () => res.body.json(),
      text: () => res.body.text(),
    };
  };
  return { fetcher: fetcher as unknown as Fetcher, close: () => dispatcher.close() };
}
