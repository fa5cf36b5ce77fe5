import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, print } from 'graphql';
import { extractPolicies, forApolloGateway, mergeAccessPolicies } from './supergraph.js';

const supergraph = parse(`
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)
  @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)
  @link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)
  @link(url: "https://shop.dev/rate-limit/v1.0", import: ["@rateLimit"])
{ query: Query }
directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @rateLimit(window: String!, max: Int!) on FIELD_DEFINITION
type Query {
  me: User @authenticated
  report: String @requiresScopes(scopes: [["admin"], ["partner", "ops"]])
  login(email: String): String
    @rateLimit(window: "1m", max: 10)
    @rateLimit(window: "1h", max: 50, by: "args", identityArgs: ["email"])
}
type User @authenticated { id: ID! }
`);

describe('supergraph policies', () => {
  it('reads @authenticated, @requiresScopes and @rateLimit from fields and types', () => {
    const p = extractPolicies(supergraph);
    assert.deepEqual(p.fields.get('Query.me'), { authenticated: true });
    assert.deepEqual(p.fields.get('Query.report'), {
      authenticated: true,
      scopes: [['admin'], ['partner', 'ops']],
    });
    assert.deepEqual(p.types.get('User'), { authenticated: true });
    assert.deepEqual(p.rateLimits.get('Query.login'), [
      { window: '1m', max: 10, by: 'caller', identityArgs: [] },
      { window: '1h', max: 50, by: 'args', identityArgs: ['email'] },
    ]);
  });

  it('drops for: SECURITY only on the features the gateway enforces', () => {
    const sdl = print(forApolloGateway(supergraph));
    assert.match(sdl, /authenticated\/v0\.1"\)/);
    assert.match(sdl, /requiresScopes\/v0\.1"\)/);
    assert.match(sdl, /policy\/v0\.1", for: SECURITY/);
  });
});

/** A supergraph head linking the security features as given, with their directives defined as named. */
const linked = (links: string, names: { auth?: string; scopes?: string } = {}, body = '') =>
  parse(`
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  ${links}
{ query: Query }
directive @${names.auth ?? 'authenticated'} on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @${names.scopes ?? 'requiresScopes'}(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
${body}
`);

describe('supergraph policies: renamed links, extensions, interfaces', () => {
  it('reads the directives of a link renamed with as:, as the link spec names them', () => {
    const doc = linked(
      `@link(url: "https://specs.apollo.dev/authenticated/v0.1", as: "auth", for: SECURITY)
       @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", as: "scoped", for: SECURITY)`,
      { auth: 'auth', scopes: 'scoped' },
      `type Query { me: String @auth report: String @scoped(scopes: [["admin"]]) }`,
    );
    const p = extractPolicies(doc);
    assert.deepEqual(p.fields.get('Query.me'), { authenticated: true });
    assert.deepEqual(p.fields.get('Query.report'), { authenticated: true, scopes: [['admin']] });
  });

  it('reads directives imported under another name', () => {
    const doc = linked(
      `@link(url: "https://specs.apollo.dev/authenticated/v0.1", as: "x", import: [{ name: "@authenticated", as: "@signedIn" }], for: SECURITY)`,
      { auth: 'signedIn' },
      `type Query { me: String @signedIn }`,
    );
    assert.deepEqual(extractPolicies(doc).fields.get('Query.me'), { authenticated: true });
  });

  it('refuses to start when a linked security feature has no directive under the name it must have', () => {
    // renamed to @auth, but the document still spells it @authenticated: not what the link says
    const doc = linked(
      `@link(url: "https://specs.apollo.dev/authenticated/v0.1", as: "auth", for: SECURITY)`,
      {},
      `type Query { me: String @authenticated }`,
    );
    assert.throws(() => extractPolicies(doc), /no directive @auth is defined/);
  });

  it('merges the rules of a type and its extensions (both must hold), never keeping the last only', () => {
    const doc = linked(
      '',
      {},
      `type Query { report: Report }
       type Report @requiresScopes(scopes: [["admin"], ["ops"]]) { total: Int }
       extend type Report @requiresScopes(scopes: [["audit"]])
       extend type Report @authenticated { more: Int @authenticated }
       type Plain { a: Int }
       extend type Plain @authenticated`,
    );
    const p = extractPolicies(doc);
    assert.deepEqual(p.types.get('Report'), {
      authenticated: true,
      scopes: [
        ['admin', 'audit'],
        ['audit', 'ops'],
      ],
    });
    assert.deepEqual(p.types.get('Plain'), { authenticated: true });
    assert.deepEqual(p.fields.get('Report.more'), { authenticated: true });
  });

  it('ANDs two scope rules: one set from each side must be held', () => {
    assert.deepEqual(
      mergeAccessPolicies(
        { authenticated: true, scopes: [['a'], ['b']] },
        { authenticated: true, scopes: [['c'], ['a']] },
      ),
      { authenticated: true, scopes: [['a', 'c'], ['a'], ['b', 'c'], ['a', 'b']] },
    );
    assert.deepEqual(
      mergeAccessPolicies({ authenticated: true }, { authenticated: true, scopes: [['x']] }),
      { authenticated: true, scopes: [['x']] },
    );
  });

  it("copies an interface field's @rateLimit to implementations without their own", () => {
    const doc = linked(
      `@link(url: "https://shop.dev/rate-limit/v1.0", as: "_0rl", import: ["@rateLimit"])`,
      {},
      `directive @rateLimit(window: String!, max: Int!) on FIELD_DEFINITION
       type Query { codes: [Redeemable!]! }
       interface Redeemable { code: String! @rateLimit(window: "1m", max: 5) }
       type Coupon implements Redeemable { code: String! }
       type Voucher implements Redeemable { code: String! @rateLimit(window: "1h", max: 2) }`,
    );
    const p = extractPolicies(doc);
    assert.deepEqual(p.rateLimits.get('Coupon.code'), [
      { window: '1m', max: 5, by: 'caller', identityArgs: [] },
    ]);
    assert.deepEqual(p.rateLimits.get('Voucher.code'), [
      { window: '1h', max: 2, by: 'caller', identityArgs: [] },
    ]);
  });
});
