import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { before, describe, it } from 'node:test';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import {
  SERVICE_TOKEN_HEADER,
  ServiceCallError,
  ServiceClient,
  ServiceSigner,
} from '../src/index.js';

const doc = <R, V = Record<string, never>>(text: string) =>
  parse(text) as unknown as TypedDocumentNode<R, V>;
const Ping = doc<{ ping: string }>('query Ping { ping }');
const Poke = doc<{ poke: string }>('mutation Poke { poke }');

async function keyPair(): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return {
    privateJwk: await exportJWK(pair.privateKey),
    publicJwk: await exportJWK(pair.publicKey),
  };
}

/** A plain HTTP server whose handler the test picks; counts requests and records headers. */
async function fakeCallee(
  handle: (req: IncomingMessage, res: ServerResponse, n: number) => void,
): Promise<{ url: string; requests: IncomingMessage[]; server: Server; close(): Promise<void> }> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    req.resume();
    req.once('end', () => handle(req, res, requests.length));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    requests,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
const answer = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

describe('ServiceClient against real HTTP callees', () => {
  let signer: ServiceSigner;
  before(async () => {
    signer = await ServiceSigner.fromJwk('cart', (await keyPair()).privateJwk);
  });

  it('a stalled callee gives a timeout error within the deadline', async () => {
    const callee = await fakeCallee(() => undefined); // accepts, never answers
    try {
      const client = new ServiceClient({
        callee: 'catalog',
        url: callee.url,
        signer,
        timeoutMs: 300,
      });
      const t0 = Date.now();
      await assert.rejects(client.call(Ping), (err: unknown) => {
        assert.ok(err instanceof ServiceCallError);
        assert.equal(err.failure, 'timeout');
        assert.match(err.message, /^catalog Ping: no answer within 300 ms/);
        return true;
      });
      assert.ok(Date.now() - t0 < 2000, 'answers well within 2 s');
    } finally {
      await callee.close();
    }
  });

  it('a dead callee opens the breaker: later calls fail fast without connecting', async () => {
    const callee = await fakeCallee((_req, res) => answer(res, 200, { data: { ping: 'pong' } }));
    const url = callee.url;
    await callee.close(); // nothing listens on the port any more: connection refused
    const client = new ServiceClient({
      callee: 'catalog',
      url,
      signer,
      queryAttempts: 1,
      breakerThreshold: 3,
      halfOpenAfterMs: 60_000,
    });
    const failures: string[] = [];
    for (let i = 0; i < 3; i++)
      await client.call(Ping).catch((e: ServiceCallError) => failures.push(e.failure));
    assert.deepEqual(failures, ['unreachable', 'unreachable', 'unreachable']);
    assert.equal(client.circuit, 'open');

    const t0 = Date.now();
    await assert.rejects(client.call(Ping), (err: unknown) => {
      assert.ok(err instanceof ServiceCallError);
      assert.equal(err.failure, 'circuit-open');
      assert.match(err.message, /^catalog Ping: circuit open/);
      return true;
    });
    assert.ok(Date.now() - t0 < 100, 'fails fast');
  });

  it('retries a query with backoff, and sends a mutation once', async () => {
    const callee = await fakeCallee((req, res, n) =>
      n % 3 === 0
        ? answer(res, 200, { data: { ping: 'pong', poke: 'poked' } })
        : answer(res, 503, { errors: [{ message: 'busy' }] }),
    );
    try {
      const client = new ServiceClient({
        callee: 'catalog',
        url: callee.url,
        signer,
        backoffMs: 5,
      });
      assert.deepEqual(await client.call(Ping), { ping: 'pong', poke: 'poked' });
      assert.equal(callee.requests.length, 3, 'two retries after two 503s');

      await assert.rejects(client.call(Poke), (err: unknown) => {
        assert.ok(err instanceof ServiceCallError);
        assert.equal(err.failure, 'unreachable');
        return true;
      });
      assert.equal(callee.requests.length, 4, 'the mutation was sent exactly once');
    } finally {
      await callee.close();
    }
  });

  it('sends its own signed identity and the request id, never a client token', async () => {
    const callee = await fakeCallee((_req, res) => answer(res, 200, { data: { ping: 'pong' } }));
    try {
      const client = new ServiceClient({ callee: 'catalog', url: callee.url, signer });
      await client.call(Ping);
      const headers = callee.requests[0]?.headers ?? {};
      assert.match(String(headers[SERVICE_TOKEN_HEADER]), /^ey/);
      assert.match(String(headers['x-request-id']), /.{8,}/);
      assert.equal(headers['x-gateway-proof'], undefined);
      assert.equal(headers.authorization, undefined);
    } finally {
      await callee.close();
    }
  });
});
