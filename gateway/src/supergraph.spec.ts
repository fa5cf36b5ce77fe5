import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSchema, Kind, parse, print } from 'graphql';
import { operationShape } from './operation-shape.js';
import { extractPolicies, forApolloGateway } from './supergraph.js';

const supergraph = parse(`
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)
  @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)
  @link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)
  @link(url: "https://shop.dev/rate-limit/v1.0", import: ["@rateLimit"])
{ query: Query }
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

describe('operationShape', () => {
  const schema = buildSchema(`
    type Query { users(first: Int): [User!]! tree: Tree }
    type User { id: ID! friends: [User!]! }
    type Tree { child: Tree name: String }
  `);
  const shape = (query: string, variables = {}) => {
    const doc = parse(query);
    const op = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
    if (op?.kind !== Kind.OPERATION_DEFINITION) throw new Error('no operation');
    return operationShape(schema, doc, op, variables);
  };

  it('counts depth through fragments, aliases, and list cost by page size', () => {
    const s = shape(
      'query Q($n: Int) { a: users(first: $n) { ...F } b: tree { child { name } } } fragment F on User { id friends { id } }',
      { n: 5 },
    );
    assert.equal(s.depth, 3);
    assert.equal(s.aliases, 2);
    // users: 5 * (1 + id 1 + friends 10 * (1 + 1)) = 110; tree: 1 + (1 + 1) = 3
    assert.equal(s.cost, 113);
    assert.equal(s.fields.filter((f) => f.coordinate === 'Query.users').length, 1);
  });

  it('applies @skip and @include', () => {
    const s = shape(
      'query($no: Boolean!) { tree @skip(if: $no) { name } users @include(if: false) { id } }',
      {
        no: true,
      },
    );
    assert.equal(s.fields.length, 0);
  });
});
