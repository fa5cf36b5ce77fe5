// One harness for every gateway test: starts the gateway (and, end to end, the real subgraphs) as
// real child processes on free ports and talks HTTP to them.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** gateway/ (this file runs from gateway/dist/test). */
export const gatewayDir = path.resolve(here, '..', '..');
export const repoRoot = path.resolve(gatewayDir, '..');

export interface StartedProcess {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** Parsed JSON log lines written so far. */
  readonly logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

/**
 * Spawns `node <script>` with `env` (PORT=0 unless given) and resolves once it logs
 * `{"msg":"listening","port":N}`. Rejects with its stderr if it exits first.
 */
export function startProcess(
  name: string,
  script: string,
  env: Record<string, string>,
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<StartedProcess> {
  const child = spawn(process.execPath, [script], {
    cwd: options.cwd ?? repoRoot,
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${name} did not report listening in time\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(`${name} exited with ${code}\n${stderr}\n${JSON.stringify(logs.slice(-5))}`),
      );
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      if (entry.msg === 'listening' && typeof entry.port === 'number') {
        clearTimeout(timer);
        const port = entry.port;
        resolve({ name, port, url: `http://127.0.0.1:${port}`, child, logs, stop });
      }
    });
  });
}

/** Starts the built gateway (`gateway/dist/src/main.js`). */
export const startGateway = (
  env: Record<string, string>,
  name = 'gateway',
): Promise<StartedProcess> =>
  startProcess(name, path.join(gatewayDir, 'dist', 'src', 'main.js'), {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    ...env,
  });

/** Starts a real subgraph (`subgraphs/<name>/dist/src/main.js`). */
export const startSubgraph = (name: string, env: Record<string, string>): Promise<StartedProcess> =>
  startProcess(name, path.join(repoRoot, 'subgraphs', name, 'dist', 'src', 'main.js'), {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    ...env,
  });

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

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const { createServer } = await import('node:http');
  let count = 0;
  const server = createServer((req, res) => {
    count += 1;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
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
