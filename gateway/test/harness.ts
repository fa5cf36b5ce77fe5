// The gateway tests' helpers on top of @shop/testing's `startService`: start the gateway (and, end
// to end, the real subgraphs) as real child processes on free ports and talk HTTP to them.
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startService, type RunningService } from '@shop/testing';
import { SignJWT } from 'jose';

const here = path.dirname(fileURLToPath(import.meta.url));
/** gateway/ (this file runs from gateway/dist/test). */
export const gatewayDir = path.resolve(here, '..', '..');
export const repoRoot = path.resolve(gatewayDir, '..');

/**
 * A gateway proof keypair of this test run (not the committed development pair, so a test also
 * proves that the keys are read from the environment): the gateway gets the private half, the
 * subgraphs the public one.
 */
export const PROOF_KEYS = generateKeyPairSync('ed25519');
export const GATEWAY_PROOF_ENV = {
  GATEWAY_PROOF_PRIVATE_KEY: PROOF_KEYS.privateKey
    .export({ type: 'pkcs8', format: 'pem' })
    .toString(),
};
export const SUBGRAPH_PROOF_ENV = {
  GATEWAY_PROOF_PUBLIC_KEY: PROOF_KEYS.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
};

/** A proof as only the gateway can sign it, for calling subgraph `audience` directly. */
export const mintProof = (
  audience: string,
  claims: { sub?: string; roles?: string[] } = {},
): Promise<string> => {
  const jwt = new SignJWT({ roles: claims.roles ?? [] })
    .setProtectedHeader({ alg: 'EdDSA' })
    .setIssuer('shop-gateway')
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime('30s');
  if (claims.sub !== undefined) jwt.setSubject(claims.sub);
  return jwt.sign(PROOF_KEYS.privateKey);
};

/**
 * Starts the built gateway (`gateway/dist/src/main.js`) from the repository root, with only PATH
 * and `env` (plus test defaults) in its environment.
 */
export const startGateway = (
  env: Record<string, string>,
  name = 'gateway',
): Promise<RunningService> =>
  startService(
    name,
    path.join(gatewayDir, 'dist', 'src', 'main.js'),
    // OPS_PORT 0: several gateways run at once; `opsUrl` finds the port each one bound.
    // HTTP only, unless a test brings an event source for subscriptions.
    {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      OPS_PORT: '0',
      SUBSCRIPTIONS_ENABLED: 'false',
      ...GATEWAY_PROOF_ENV,
      ...env,
    },
    // Several gateways starting at once on a loaded machine outlast the default 30 s.
    { cwd: repoRoot, timeoutMs: 90_000 },
  );

/** `http://127.0.0.1:<ops port>` of a gateway started by `startGateway` (`/metrics`, `/readyz`). */
export function opsUrl(gateway: RunningService): string {
  const line = gateway.logs.find((l) => l.msg === 'listening' && typeof l.opsPort === 'number');
  if (line === undefined) throw new Error(`${gateway.name} logged no opsPort`);
  return `http://127.0.0.1:${line.opsPort as number}`;
}

/** Starts a real subgraph (`subgraphs/<name>/dist/src/main.js`) from the repository root. */
export const startSubgraph = (name: string, env: Record<string, string>): Promise<RunningService> =>
  startService(
    name,
    path.join(repoRoot, 'subgraphs', name, 'dist', 'src', 'main.js'),
    { NODE_ENV: 'test', LOG_LEVEL: 'info', ...SUBGRAPH_PROOF_ENV, ...env },
    // Subgraphs with an outbox and a saga participant (users, catalog, delivery) meet Kafka before
    // they listen: on a loaded machine that outlasts the default 30 s (as in schema's entity-path).
    { cwd: repoRoot, timeoutMs: 60_000 },
  );

export interface GraphQLResult<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly data?: T | null;
  readonly errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export interface GqlOptions {
  readonly token?: string;
  readonly variables?: Record<string, unknown>;
  readonly headers?: Record<string, string>;
}

/** POSTs one operation as JSON and returns the status, headers and GraphQL result. */
export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  options: GqlOptions = {},
): Promise<GraphQLResult<T>> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  const text = await res.text();
  let body: { data?: T | null; errors?: GraphQLResult['errors'] } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = { errors: [{ message: text }] };
  }
  return { status: res.status, headers: res.headers, ...body };
}

/** The first error's extensions.code, if any. */
export const errorCode = (result: GraphQLResult<unknown>): unknown =>
  result.errors?.[0]?.extensions?.code;

/** A reverse proxy in front of a subgraph that counts the requests reaching it. */
export interface CountingProxy {
  readonly url: string;
  count(): number;
  close(): Promise<void>;
}

/** `record` sees each request's body as it passes. */
export async function startCountingProxy(
  target: string,
  record?: (body: Buffer) => void,
): Promise<CountingProxy> {
  const { createServer } = await import('node:http');
  let count = 0;
  const server = createServer((req, res) => {
    count += 1;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      record?.(Buffer.concat(chunks));
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string' && k !== 'host' && k !== 'connection') headers[k] = v;
      fetch(new URL(req.url ?? '/', target), {
        method: req.method ?? 'GET',
        headers,
        ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
      })
        .then(async (upstream) => {
          const body = Buffer.from(await upstream.arrayBuffer());
          res.writeHead(upstream.status, {
            'content-type': upstream.headers.get('content-type') ?? 'application/json',
          });
          res.end(body);
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    count: () => count,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
