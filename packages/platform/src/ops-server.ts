import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** A dependency check for `/readyz`: resolves when the dependency answers, throws when it does not. */
export type ReadinessCheck = () => Promise<void>;

export interface OpsOptions {
  readonly registry: Registry;
  /** Named checks run by `/readyz`, each with `checkTimeoutMs`. */
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  /** @default 2000 */
  readonly checkTimeoutMs?: number;
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Handles `/healthz` (the process is up), `/readyz` (every dependency answers) and `/metrics`;
 * returns false for any other path so the caller can route it elsewhere.
 */
export function createOpsHandler(
  options: OpsOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const timeoutMs = options.checkTimeoutMs ?? 2000;
  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (path === '/healthz') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: 'ok' }));
      return true;
    }
    if (path === '/readyz') {
      const entries = await Promise.all(
        Object.entries(options.checks).map(
          async ([name, check]) => [name, await runCheck(check, timeoutMs)] as const,
        ),
      );
      const failed = entries.filter(([, error]) => error !== undefined);
      const body = {
        status: failed.length === 0 ? 'ready' : 'unavailable',
        checks: Object.fromEntries(entries.map(([name, error]) => [name, error ?? 'ok'])),
      };
      res
        .writeHead(failed.length === 0 ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify(body));
      return true;
    }
    if (path === '/metrics') {
      const text = await options.registry.metrics();
      res.writeHead(200, { 'content-type': options.registry.contentType }).end(text);
      return true;
    }
    return false;
  };
}

/** A standalone HTTP server for the ops endpoints, for processes that serve nothing else over HTTP. */
export async function startOpsServer(
  options: OpsOptions & { readonly port: number; readonly host?: string },
): Promise<{ server: Server; port: number }> {
  const handle = createOpsHandler(options);
  const server = createServer((req, res) => {
    handle(req, res)
      .then((handled) => {
        if (!handled) res.writeHead(404).end();
      })
      .catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
