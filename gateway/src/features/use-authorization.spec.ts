import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSchema, GraphQLError, Kind, parse } from 'graphql';
import type { GatewayContext, VerifiedToken } from '../gateway-feature.js';
import { operationShape } from '../operation-shape.js';
import { extractPolicies } from '../supergraph.js';
import { useAuthorization } from './use-authorization.js';

// What composition prints: rules on concrete types, and (federation 2.9+) their copy on the
// interface; the API schema the shape is walked on has no directives.
const sdl = `
  directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
  directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
  type Query { node(id: ID!): Node nodes: [Node!]! search: [Result!]! invoice: Invoice me: Account }
  interface Node @authenticated { id: ID! title: String @requiresScopes(scopes: [["admin"]]) }
  type Article implements Node { id: ID! title: String }
  type Invoice implements Node @authenticated { id: ID! title: String }
  type Payroll implements Node { id: ID! title: String @requiresScopes(scopes: [["admin"]]) }
  type Account @authenticated { id: ID! }
  union Result = Article | Invoice
`;
const schema = buildSchema(sdl);
const feature = useAuthorization({ policies: extractPolicies(parse(sdl)) });

const customer: VerifiedToken = { sub: 'u-1', roles: ['customer'], expiresAt: Infinity };
const admin: VerifiedToken = { sub: 'u-2', roles: ['admin'], expiresAt: Infinity };

/** The verdict on one operation: 'ok' or the error code. */
const verdict = async (query: string, identity?: VerifiedToken): Promise<unknown> => {
  const document = parse(query);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operation?.kind !== Kind.OPERATION_DEFINITION) throw new Error('no operation');
  try {
    await feature.onOperation?.({
      schema,
      document,
      operation,
      variables: {},
      context: { identity } as GatewayContext,
      shape: operationShape(schema, document, operation),
    });
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof GraphQLError);
    return err.extensions.code;
  }
};

const cases: [string, string, VerifiedToken | undefined, unknown][] = [
  ['a concrete type rule', '{ invoice { id } }', undefined, 'UNAUTHENTICATED'],
  ['a concrete return type rule', '{ me { id } }', undefined, 'UNAUTHENTICATED'],
  ['through an interface: a type rule', '{ node(id: "1") { id } }', undefined, 'UNAUTHENTICATED'],
  ['through an interface: a field rule', '{ nodes { title } }', customer, 'FORBIDDEN'],
  ['through an interface: all rules held', '{ nodes { id title } }', admin, 'ok'],
  [
    'through a union and an interface',
    '{ search { ... on Node { id } } }',
    undefined,
    'UNAUTHENTICATED',
  ],
  [
    'a union member selected directly',
    '{ search { ... on Invoice { id } } }',
    undefined,
    'UNAUTHENTICATED',
  ],
  [
    'narrowed to a free type',
    '{ search { ... on Article { ...N } } } fragment N on Node { id title }',
    undefined,
    'ok',
  ],
  [
    'narrowed, on an abstract return type',
    '{ node(id: "1") { ... on Article { title } } }',
    undefined,
    'ok',
  ],
  ['only __typename of a union', '{ search { __typename } }', undefined, 'ok'],
  [
    'narrowed to a protected type',
    '{ node(id: "1") { ... on Payroll { ...N } } } fragment N on Node { title }',
    customer,
    'FORBIDDEN',
  ],
];

describe('useAuthorization on abstract types', () => {
  for (const [label, query, identity, expected] of cases)
    it(`${label}: ${String(expected)}`, async () => {
      assert.equal(await verdict(query, identity), expected, query);
    });
});
