// A graphql-ws client for the subscription tests that records every raw message it receives.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface ShipmentUpdatePayload {
  cursor: string;
  shipmentId: string;
  sequence: number;
  change: string;
  status: string;
  previousStatus: string | null;
  order: { id: string; lines?: { quantity: number }[] };
}

export interface Recorded {
  /** Every `next` payload, as received (no deduplication). */
  readonly updates: ShipmentUpdatePayload[];
  readonly errors: unknown[];
  completed: boolean;
  /** The close code of the socket, once closed. */
  closeCode?: number;
  closedAt?: number;
  dispose(): void;
}

export const UPDATE_FIELDS = `cursor shipmentId sequence change status previousStatus order { id }`;

/** Opens a socket to `url` (http → ws) and subscribes to `query`; records what arrives. */
export function subscribe(
  url: string,
  authorization: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
): Recorded {
  const recorded: Recorded = {
    updates: [],
    errors: [],
    completed: false,
    dispose: () => undefined,
  };
  const client: Client = createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: authorization === undefined ? {} : { authorization },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
    on: {
      closed: (event) => {
        recorded.closeCode ??= (event as { code?: number }).code;
        recorded.closedAt ??= Date.now();
      },
    },
  });
  const stop = client.subscribe<Record<string, ShipmentUpdatePayload>>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors !== undefined) recorded.errors.push(...result.errors);
        const value =
          result.data === undefined || result.data === null
            ? undefined
            : Object.values(result.data)[0];
        if (value !== undefined) recorded.updates.push(value);
      },
      error: (err) => {
        // A refused subscribe arrives as the `error` message's list of GraphQL errors.
        if (Array.isArray(err)) recorded.errors.push(...(err as unknown[]));
        else recorded.errors.push(err);
      },
      complete: () => {
        recorded.completed = true;
      },
    },
  );
  recorded.dispose = () => {
    stop();
    void client.dispose();
  };
  return recorded;
}

/** The HTTP status a WebSocket upgrade is answered with (101 when accepted). */
export function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', {
      headers,
    });
    ws.once('upgrade', (res) => {
      resolve(res.statusCode ?? 0);
      ws.close();
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

/** One socket that can carry several subscriptions (the caps tests). */
export interface Connection {
  /** Resolves true once acknowledged, false when the socket closed first. */
  readonly acknowledged: Promise<boolean>;
  /** The close code of the socket, once closed. */
  closeCode?: number;
  /** Subscribes on this socket; `dispose` of the result completes only that subscription. */
  subscribe(query: string, variables?: Record<string, unknown>): Recorded;
  close(): Promise<void>;
}

/** Opens one socket to `url` with `authorization`, on which `subscribe` multiplexes. */
export function connect(url: string, authorization: string | undefined): Connection {
  let settle: (ok: boolean) => void = () => undefined;
  const acknowledged = new Promise<boolean>((resolve) => {
    settle = resolve;
  });
  const connection: Connection = {
    acknowledged,
    subscribe: () => {
      throw new Error('not yet');
    },
    close: () => Promise.resolve(),
  };
  const client: Client = createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: authorization === undefined ? {} : { authorization },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
    on: {
      connected: () => settle(true),
      closed: (event) => {
        connection.closeCode ??= (event as { code?: number }).code;
        settle(false);
      },
    },
  });
  connection.subscribe = (query, variables = {}) => {
    const recorded: Recorded = {
      updates: [],
      errors: [],
      completed: false,
      dispose: () => undefined,
    };
    recorded.dispose = client.subscribe<Record<string, ShipmentUpdatePayload>>(
      { query, variables },
      {
        next: (result) => {
          if (result.errors !== undefined) recorded.errors.push(...result.errors);
          const value = result.data == null ? undefined : Object.values(result.data)[0];
          if (value !== undefined) recorded.updates.push(value);
        },
        error: (err) => {
          if (Array.isArray(err)) recorded.errors.push(...(err as unknown[]));
          else recorded.errors.push(err);
        },
        complete: () => {
          recorded.completed = true;
        },
      },
    );
    return recorded;
  };
  connection.close = async () => {
    await client.dispose();
  };
  return connection;
}
