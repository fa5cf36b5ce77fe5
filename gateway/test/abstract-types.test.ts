// Authorization and @rateLimit on abstract types, through a real gateway process over HTTP, on a
// supergraph built for the test with an interface and a union (issue 8, point 8). Each case runs
// on two supergraphs: as composed, and with the security links renamed (`as:`) and without the
// rules composition copies onto interfaces, which the gateway must not depend on.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestStack, type RunningService } from '@shop/testing';
import {
  composeLibrary,
  renameAndStripInterfaces,
  startLibrarySubgraph,
  writeSupergraph,
  type LibrarySubgraph,
} from './fixtures/abstract-subgraph.js';
import { TestIssuer } from './fixtures/test-issuer.js';
import { errorCode, gql, startGateway } from './harness.js';

const VARIANTS = {
  'as composed': (sdl: string) => sdl,
  'links renamed, no interface copies': renameAndStripInterfaces,
} as const;

describe('authorization and rate limits on interfaces and unions', () => {
  const stack = new TestStack('gwabstract');
  let library: LibrarySubgraph;
  let issuer: TestIssuer;
  const gateways: Record<string, RunningService> = {};

  before(async () => {
    library = await startLibrarySubgraph();
    issuer = await TestIssuer.start();
    const subgraphUrl = `${library.url.replace(/\/$/, '')}/graphql`;
    const composed = composeLibrary(subgraphUrl);
    let i = 0;
    for (const [variant, transform] of Object.entries(VARIANTS)) {
      i += 1;
      gateways[variant] = await startGateway(
        {
          SUPERGRAPH_PATH: await writeSupergraph(transform(composed)),
          SUBGRAPH_URLS: `library=${subgraphUrl}`,
          JWKS_URL: issuer.jwksUrl,
          REDIS_URL: stack.env.REDIS_URL,
          REDIS_PREFIX: `${stack.ns.redisPrefix}${i}:`,
          HTTP_BURST: '1000',
          HTTP_RATE_PER_SECOND: '1000',
        },
        `gateway-${i}`,
      );
    }
  });

  after(async () => {
    for (const gateway of Object.values(gateways)) await gateway.stop();
    await library?.close();
    await issuer?.close();
    await stack.cleanup();
  });

  for (const variant of Object.keys(VARIANTS)) {
    const url = () => gateways[variant]?.url ?? '';

    it(`${variant}: a concrete type's rules hold when it is selected through an interface`, async () => {
      const before = library.count();
      // Invoice (one of Node's types) is @authenticated
      const anonymous = await gql(url(), '{ node(id: "i1") { id } }');
      assert.equal(errorCode(anonymous), 'UNAUTHENTICATED');
      assert.equal(errorCode(await gql(url(), '{ nodes { title } }')), 'UNAUTHENTICATED');
      // Payroll.title is for admins
      const customer = await issuer.token({ roles: ['customer'] });
      const forbidden = await gql(url(), '{ nodes { id title } }', { token: customer });
      assert.equal(errorCode(forbidden), 'FORBIDDEN');
      assert.equal(forbidden.data ?? null, null);
      assert.equal(library.count(), before);

      const admin = await issuer.token({ roles: ['admin'] });
      const all = await gql<{ nodes: { title: string }[] }>(url(), '{ nodes { id title } }', {
        token: admin,
      });
      assert.equal(all.errors, undefined);
      assert.deepEqual(
        all.data?.nodes.map((n) => n.title),
        ['Hello', 'Invoice 1', 'Salaries', 'Spring'],
      );
    });

    it(`${variant}: a concrete type's rules hold when it is selected through a union`, async () => {
      const before = library.count();
      const viaInterface = await gql(url(), '{ search(text: "x") { ... on Node { id } } }');
      assert.equal(errorCode(viaInterface), 'UNAUTHENTICATED');
      const direct = await gql(url(), '{ search(text: "x") { ... on Invoice { id } } }');
      assert.equal(errorCode(direct), 'UNAUTHENTICATED');
      const customer = await issuer.token({ roles: ['customer'] });
      const titles = await gql(url(), '{ search(text: "x") { ... on Node { title } } }', {
        token: customer,
      });
      assert.equal(errorCode(titles), 'FORBIDDEN');
      assert.equal(library.count(), before);
    });

    it(`${variant}: a selection narrowed to the types a caller may read is allowed`, async () => {
      const anonymous = await gql<{ search: object[]; node: object }>(
        url(),
        '{ search(text: "x") { __typename ... on Article { ...N } } node(id: "a1") { ... on Article { title } } } fragment N on Node { id title }',
      );
      assert.equal(anonymous.errors, undefined, JSON.stringify(anonymous.errors));
      assert.deepEqual(anonymous.data, {
        search: [
          { __typename: 'Article', id: 'a1', title: 'Hello' },
          { __typename: 'Invoice' },
          { __typename: 'Payroll' },
        ],
        node: { title: 'Hello' },
      });
      const customer = await issuer.token({ roles: ['customer'] });
      const invoices = await gql<{ search: object[] }>(
        url(),
        '{ search(text: "x") { ... on Invoice { ...N } } } fragment N on Node { id title }',
        { token: customer },
      );
      assert.equal(invoices.errors, undefined, JSON.stringify(invoices.errors));
    });

    it(`${variant}: @rateLimit on a concrete field counts when it is selected through an interface`, async () => {
      // Coupon.code: 3 a minute per caller, one allowance whichever way it is selected
      const token = await issuer.token({ roles: ['customer'] });
      for (const query of [
        '{ redeemables { code } }',
        '{ coupon { code } }',
        '{ nodes { ... on Redeemable { code } } }',
      ]) {
        const res = await gql(url(), query, { token });
        assert.equal(res.errors, undefined, `${query}: ${JSON.stringify(res.errors)}`);
      }
      for (const query of ['{ redeemables { code } }', '{ coupon { code } }']) {
        const limited = await gql(url(), query, { token });
        assert.equal(errorCode(limited), 'RATE_LIMITED', query);
      }
      // another caller has its own allowance
      const other = await gql(url(), '{ redeemables { code } }', {
        token: await issuer.token({ roles: ['customer'] }),
      });
      assert.equal(other.errors, undefined);
    });
  }
});
