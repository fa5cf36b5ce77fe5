import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLogger, isErrorCode, NotFoundError } from '@shop/platform';
import { Ctx, Directive, Field, ID, ObjectType, Query, Resolver } from 'type-graphql';
import { BatchLoader } from '../src/batch-loader.js';
import { buildFederatedSchema } from '../src/build-subgraph-schema.js';
import {
  startSubgraphServer,
  type BaseSubgraphContext,
  type RunningSubgraph,
} from '../src/server.js';
import { gql, proofMinter, TEST_GATEWAY_PROOF_KEY } from '../src/testing.js';

/** Proofs as the gateway signs them for this subgraph (the committed test key). */
const mintProof = proofMinter('widgets');

@Directive('@key(fields: "id")')
@ObjectType('Widget')
class Widget {
  @Field(() => ID)
  id!: string;
}

interface Context extends BaseSubgraphContext {
  readonly widgets: BatchLoader<string, Widget>;
}

@Resolver()
class WidgetResolver {
  @Directive('@authenticated')
  @Query(() => String)
  whoami(@Ctx() ctx: Context): string {
    return `${ctx.identity.userId}:${ctx.identity.roles.join(',')}:${ctx.requestId}`;
  }

  @Directive('@requiresScopes(scopes: [["admin"], ["partner", "customer"]])')
  @Query(() => String)
  staff(): string {
    return 'staff';
  }

  @Query(() => String)
  missing(): string {
    throw new NotFoundError('no such widget', { id: 'w1' });
  }

  @Query(() => String)
  broken(): string {
    throw new Error('connection string mysql://root:hunter2@db');
  }
}

/** The value of the one series of `name` whose labels include all of `labels`, 0 when absent. */
function sample(metrics: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = metrics
    .split('\n')
    .find(
      (l) =>
        l.startsWith(`${name}{`) && wanted.every((w) => l.slice(0, l.indexOf('}')).includes(w)),
    );
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('subgraph server (kit)', () => {
  const servers: RunningSubgraph[] = [];
  let dev: RunningSubgraph;
  let prod: RunningSubgraph;
  let batches: (readonly string[])[] = [];
  // What the development server logs at warn and above, one JSON object per line.
  const logged: Record<string, unknown>[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk
        .toString()
        .split('\n')
        .filter((l) => l.length > 0))
        logged.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });

  before(async () => {
    const schema = await buildFederatedSchema({
      resolvers: [WidgetResolver],
      orphanedTypes: [Widget],
      referenceResolvers: {
        Widget: {
          __resolveReference: (ref: { id: string }, ctx: Context) => ctx.widgets.load(ref.id),
        },
      },
    });
    for (const production of [false, true]) {
      servers.push(
        await startSubgraphServer<Context>({
          name: 'widgets',
          schema,
          logger: production
            ? createLogger('widgets', 'silent')
            : createLogger('widgets', 'warn', logStream),
          checks: {},
          gatewayProofKey: createPublicKey(TEST_GATEWAY_PROOF_KEY),
          production,
          maxBodyBytes: 10_000,
          createContext: (base) => ({
            ...base,
            widgets: new BatchLoader((ids) => {
              batches.push(ids);
              return Promise.resolve(
                new Map(ids.map((id) => [id, Object.assign(new Widget(), { id })])),
              );
            }),
          }),
        }),
      );
    }
    [dev, prod] = servers as [RunningSubgraph, RunningSubgraph];
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('takes identity only from the proof and echoes the request id', async () => {
    const res = await fetch(dev.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-shop-gateway-proof': await mintProof({ sub: 'u1', roles: ['customer'] }),
        'x-request-id': 'req-abcdef12',
        'x-user-id': 'someone-else',
      },
      body: JSON.stringify({ query: '{ whoami }' }),
    });
    assert.equal(res.headers.get('x-request-id'), 'req-abcdef12');
    assert.deepEqual(await res.json(), { data: { whoami: 'u1:customer:req-abcdef12' } });
  });

  it('rejects a missing proof with 401 UNAUTHENTICATED before parsing the body', async () => {
    const res = await gql(dev.url, '{ whoami }');
    assert.equal(res.status, 401);
    assert.equal(res.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    // Not valid JSON: parsing it first would answer 400.
    const garbage = await fetch(dev.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{ "query": ',
    });
    assert.equal(garbage.status, 401);
    const body = (await garbage.json()) as { errors: { extensions: { code: string } }[] };
    assert.equal(body.errors[0]?.extensions.code, 'UNAUTHENTICATED');
  });

  it('logs a rejected proof with the request id', async () => {
    const res = await fetch(dev.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-no-proof-1234' },
      body: JSON.stringify({ query: '{ whoami }' }),
    });
    assert.equal(res.status, 401);
    const line = logged
      .filter((l) => l.msg === 'rejected request without a valid gateway proof')
      .at(-1);
    assert.equal(line?.requestId, 'req-no-proof-1234', JSON.stringify(logged));
  });

  it('enforces @authenticated and @requiresScopes (OR of AND sets)', async () => {
    const anon = await gql(dev.url, '{ whoami }', {}, await mintProof());
    assert.equal(anon.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    const partnerOnly = await gql(
      dev.url,
      '{ staff }',
      {},
      await mintProof({ sub: 'p', roles: ['partner'] }),
    );
    assert.equal(partnerOnly.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const both = await gql(
      dev.url,
      '{ staff }',
      {},
      await mintProof({ sub: 'p', roles: ['partner', 'customer'] }),
    );
    assert.equal(both.errors, undefined);
    const admin = await gql(
      dev.url,
      '{ staff }',
      {},
      await mintProof({ sub: 'a', roles: ['admin'] }),
    );
    assert.equal(admin.errors, undefined);
  });

  it('maps DomainErrors to their code and masks unexpected errors in production', async () => {
    const proof = await mintProof();
    const missing = await gql(prod.url, '{ missing }', {}, proof);
    assert.deepEqual(missing.errors?.[0]?.extensions, { id: 'w1', code: 'NOT_FOUND' });
    const broken = await gql(prod.url, '{ broken }', {}, proof);
    assert.equal(broken.errors?.[0]?.message, 'Internal server error');
    assert.deepEqual(broken.errors?.[0]?.extensions, { code: 'INTERNAL' });
    assert.doesNotMatch(JSON.stringify(broken), /hunter2|stacktrace/);
    const invalid = await gql(prod.url, '{ nope }', {}, proof);
    assert.equal(invalid.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const introspection = await gql(prod.url, '{ __schema { types { name } } }', {}, proof);
    assert.equal(introspection.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });

  it('counts errors by their mapped code and times root-field resolvers on /metrics', async () => {
    const metricsUrl = dev.url.replace(/\/graphql$/, '/metrics');
    const scrape = async (): Promise<string> => (await fetch(metricsUrl)).text();
    const before = await scrape();
    const proof = await mintProof({ sub: 'u1', roles: ['customer'] });

    assert.equal((await gql(dev.url, '{ whoami }', {}, proof)).errors, undefined);
    const missing = await gql(dev.url, '{ missing }', {}, proof);
    assert.equal(missing.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    // Unexpected: counted under the code the client sees, not the error's own.
    const broken = await gql(dev.url, '{ broken }', {}, proof);
    assert.equal(broken.errors?.[0]?.extensions?.code, 'INTERNAL');
    // Answered before the pipeline (Apollo's BAD_REQUEST, mapped) and by the kit itself.
    const batch = await fetch(dev.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shop-gateway-proof': proof },
      body: JSON.stringify([{ query: '{ whoami }' }]),
    });
    assert.equal(batch.status, 400);
    assert.equal((await gql(dev.url, '{ whoami }')).status, 401);
    await gql(
      dev.url,
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Widget { id } } }',
      { r: [{ __typename: 'Widget', id: 'a' }] },
      proof,
    );

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>): number =>
      sample(after, name, labels) - sample(before, name, labels);
    const count = 'graphql_resolver_duration_seconds_count';
    assert.equal(delta(count, { field: 'Query.whoami', service: 'widgets' }), 1, after);
    assert.equal(delta(count, { field: 'Query.missing' }), 1, after);
    assert.equal(delta(count, { field: 'Query._entities' }), 1, after);
    // Only root fields: the entity's own fields get no series.
    assert.doesNotMatch(after, /graphql_resolver_duration_seconds_count\{[^}]*field="Widget\./);
    const errors = 'graphql_errors_total';
    assert.equal(delta(errors, { code: 'NOT_FOUND', service: 'widgets' }), 1, after);
    assert.equal(delta(errors, { code: 'INTERNAL' }), 1, after);
    assert.equal(delta(errors, { code: 'BAD_USER_INPUT' }), 1, after);
    assert.equal(delta(errors, { code: 'UNAUTHENTICATED' }), 1, after);
    // Only the codes of DESIGN section 12 reach the label.
    for (const [, code] of after.matchAll(/^graphql_errors_total\{[^}]*code="([^"]+)"/gm))
      assert.ok(isErrorCode(code), code);
  });

  it('batches entity references into one load', async () => {
    batches = [];
    const res = await gql<{ _entities: { id: string }[] }>(
      dev.url,
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Widget { id } } }',
      { r: ['a', 'b', 'c', 'a'].map((id) => ({ __typename: 'Widget', id })) },
      await mintProof(),
    );
    assert.deepEqual(
      res.data?._entities.map((w) => w.id),
      ['a', 'b', 'c', 'a'],
    );
    assert.deepEqual(batches, [['a', 'b', 'c']]);
  });

  it('answers 413 to a body over the limit sent in chunks, without resetting the upload', async () => {
    // Chunked, so no content-length: the server learns the size while reading (limit 10_000).
    const { hostname, port } = new URL(dev.url);
    const socket = connect(Number(port), hostname);
    let response = '';
    socket.setEncoding('utf8').on('data', (d: string) => (response += d));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    // A server that neither answers nor closes fails the test instead of hanging it.
    socket.setTimeout(10_000, () => socket.destroy());
    socket.write(
      `POST /graphql HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\n` +
        `x-shop-gateway-proof: ${await mintProof()}\r\ntransfer-encoding: chunked\r\n\r\n`,
    );
    const chunk = `3e8\r\n${'x'.repeat(1000)}\r\n`;
    for (let i = 0; i < 2_000 && !socket.destroyed; i++) {
      if (!socket.write(chunk)) await Promise.race([once(socket, 'drain'), closed]);
    }
    if (!socket.destroyed) socket.end('0\r\n\r\n');
    await closed;
    assert.match(response, /^HTTP\/1\.1 413 /);
    assert.match(response, /\r\nconnection: close\r\n/i);
    assert.match(response, /"code":"BAD_USER_INPUT"/);
  });

  it('refuses oversized bodies and serves the ops endpoints', async () => {
    const big = await fetch(dev.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shop-gateway-proof': await mintProof() },
      body: JSON.stringify({ query: `{ whoami } # ${'x'.repeat(20_000)}` }),
    });
    assert.equal(big.status, 413);
    assert.equal(big.headers.get('connection'), 'close');
    const base = dev.url.replace(/\/graphql$/, '');
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    // No registry given: one is created with the server's name as the service label.
    assert.match(
      await (await fetch(`${base}/metrics`)).text(),
      /http_request_duration_seconds_count\{[^}]*service="widgets"/,
    );
    assert.equal((await fetch(`${base}/nope`)).status, 404);
  });
});
