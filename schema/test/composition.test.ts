import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  compose,
  readSubgraphs,
  supergraphPath,
  type CompositionOutcome,
} from '../src/composition/index.js';

const HEADER = `extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@authenticated", "@requiresScopes", "@composeDirective"])
  @link(url: "https://shop.dev/rate-limit/v1.0", import: ["@rateLimit"])
  @composeDirective(name: "@rateLimit")

directive @rateLimit(window: String!, max: Int!) on FIELD_DEFINITION
`;

/** The error lines of a composition that must have failed. */
const errors = (outcome: CompositionOutcome): readonly string[] => {
  assert.equal(outcome.ok, false);
  return outcome.ok ? [] : outcome.errors;
};

/** The composition error codes (each line is `CODE: message`). */
const codes = (outcome: CompositionOutcome): string[] =>
  errors(outcome).map((line) => line.slice(0, line.indexOf(':')));

describe('supergraph composition', () => {
  it('composes the subgraphs without errors and the committed supergraph is up to date', () => {
    const outcome = compose(readSubgraphs());
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.errors.join('\n'));
    const committed = readFileSync(supergraphPath(), 'utf8');
    assert.equal(
      committed,
      outcome.supergraphSdl,
      'schema/supergraph.graphql is stale: run `npm run build && npm run compose -w schema` and commit it',
    );
  });

  it('carries @rateLimit, @authenticated and @requiresScopes into the supergraph', () => {
    const committed = readFileSync(supergraphPath(), 'utf8');
    assert.match(
      committed,
      /directive @rateLimit\(window: String!, max: Int!, by: String = "caller", identityArgs: \[String!\]\) repeatable on FIELD_DEFINITION/,
    );
    assert.match(
      committed,
      /login\(input: LoginInput!\): AuthPayload! .*@rateLimit\(window: "1m", max: 10, by: "client"\) @rateLimit\(window: "15m", max: 5, by: "client", identityArgs: \["input.email"\]\)/,
    );
    assert.match(committed, /rateLimitProbe: String!.*@authenticated/);
    assert.match(committed, /@requiresScopes\(scopes: \[\["admin"\]\]\)/);
  });

  it('fails when two subgraphs declare the same non-shareable field', () => {
    const a = `${HEADER}
type Query { product(id: ID!): Product }
type Product @key(fields: "id") { id: ID! title: String! }`;
    const b = `${HEADER}
type Query { products: [Product!]! }
type Product @key(fields: "id") { id: ID! title: String! }`;
    const outcome = compose([
      { name: 'catalog', url: 'http://localhost:1/graphql', sdl: a },
      { name: 'rogue', url: 'http://localhost:2/graphql', sdl: b },
    ]);
    assert.deepEqual(codes(outcome), ['INVALID_FIELD_SHARING']);
    assert.match(errors(outcome)[0] ?? '', /"Product\.title"/);
  });

  it('fails when a subgraph change conflicts with the real subgraphs', () => {
    const real = readSubgraphs();
    // A new subgraph that redefines the users-owned User.email without @shareable.
    const rogue = `${HEADER}
type Query { whoami: User }
type User @key(fields: "id") { id: ID! email: String! }`;
    const outcome = compose([
      ...real,
      { name: 'rogue', url: 'http://localhost:9/graphql', sdl: rogue },
    ]);
    assert.deepEqual(codes(outcome), ['INVALID_FIELD_SHARING']);
    assert.match(errors(outcome)[0] ?? '', /"User\.email"/);
    // And a field type that disagrees with the owner's.
    const clash = `${HEADER}
type Query { ping: String }
type User @key(fields: "id") { id: Int! }`;
    const second = compose([
      ...real,
      { name: 'clash', url: 'http://localhost:9/graphql', sdl: clash },
    ]);
    assert.deepEqual(codes(second), ['FIELD_TYPE_MISMATCH']);
    assert.match(errors(second)[0] ?? '', /"User\.id"/);
  });
});
