import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { createSubgraphFetcher, SubgraphTimeoutError } from './subgraph-fetcher.js';

type Fetch = (
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string },
) => Promise<{ status: number; json(): Promise<unknown> }>;

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
};

describe('subgraph fetcher', () => {
  const { fetcher, close } = createSubgraphFetcher({ timeoutMs: 200 });
  const fetch = fetcher as unknown as Fetch;
  const servers: Server[] = [];
  after(async () => {
    for (const server of servers) server.closeAllConnections();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    await close();
  });

  it('a subgraph that never sends its headers is a SubgraphTimeoutError', async () => {
    const silent = createServer(() => undefined);
    servers.push(silent);
    const url = await listen(silent);
    await assert.rejects(fetch(url, { body: '{}' }), (err: unknown) => {
      assert.ok(err instanceof SubgraphTimeoutError);
      assert.match(err.message, /did not answer within 200 ms/);
      return true;
    });
  });

  it('a timely answer is read as usual', async () => {
    const prompt = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"ok":true}}');
    });
    servers.push(prompt);
    const url = await listen(prompt);
    const res = await fetch(url, { body: '{}' });
    assert.deepEqual(await res.json(), { data: { ok: true } });
  });

  it('other failures are passed on as they are', async () => {
    const gone = createServer();
    const url = await listen(gone);
    await new Promise((resolve) => gone.close(resolve));
    await assert.rejects(fetch(url, { body: '{}' }), (err: unknown) => {
      assert.ok(!(err instanceof SubgraphTimeoutError));
      assert.match(String((err as { code?: string }).code), /ECONNREFUSED/);
      return true;
    });
  });
});
