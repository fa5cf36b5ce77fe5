import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSchema, GraphQLError, Kind, parse, validate } from 'graphql';
import { operationShape, type ShapeOptions } from './operation-shape.js';

const schema = buildSchema(`
  type Query {
    users(first: Int): [User!]!
    tree: Tree
    hello: String
    products(ids: [ID!]!): [Product]!
    search(page: PageInput, filter: Filter): [Product!]!
    feed(take: Int = 50): [Product!]!
    node(id: ID!): Node
    results: [Result!]!
  }
  input PageInput { first: Int, after: String }
  input Filter { tags: [String!], and: [Filter!], page: PageInput }
  type User { id: ID! friends: [User!]! }
  type Tree { child: Tree name: String }
  interface Node { id: ID! }
  type Product implements Node { id: ID! title: String }
  type Article implements Node { id: ID! title: String }
  type Invoice implements Node { id: ID! amount: Int }
  union Result = Product | Article
`);

const shape = (query: string, variables = {}, options: ShapeOptions = {}) => {
  const doc = parse(query);
  assert.deepEqual(validate(schema, doc), [], 'the test query must be valid');
  const op = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (op?.kind !== Kind.OPERATION_DEFINITION) throw new Error('no operation');
  return operationShape(schema, doc, op, variables, options);
};

/** `query{...F0} fragment F0 on Query{...F1 ...F1} ... fragment Fn on Query{<leaf>}`: 2^n leaves. */
const doubling = (n: number, leaf: string): string => {
  const parts = ['query{...F0}'];
  for (let i = 0; i < n; i += 1) parts.push(`fragment F${i} on Query{...F${i + 1} ...F${i + 1}}`);
  parts.push(`fragment F${n} on Query{${leaf}}`);
  return parts.join(' ');
};

const badInput = (fn: () => unknown, message: RegExp): void =>
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof GraphQLError);
    assert.equal(err.extensions.code, 'BAD_USER_INPUT');
    assert.match(err.message, message);
    return true;
  });

describe('operationShape', () => {
  it('counts depth through fragments, aliases, and list cost by page size', () => {
    const s = shape(
      'query Q($n: Int) { a: users(first: $n) { ...F } b: tree { child { name } } } fragment F on User { id friends { id } }',
      { n: 5 },
      { maxCost: Infinity },
    );
    assert.equal(s.depth, 3);
    assert.equal(s.aliases, 2);
    // users: 5 * (1 + id 1 + friends 10 * (1 + 1)) = 110; tree: 1 + (1 + 1) = 3
    assert.equal(s.cost, 113);
    assert.equal(s.complete, true);
    assert.equal(s.fields.filter((f) => f.coordinate === 'Query.users').length, 1);
  });

  it('applies @skip and @include', () => {
    const s = shape(
      'query($no: Boolean!) { tree @skip(if: $no) { name } users @include(if: false) { id } }',
      { no: true },
    );
    assert.equal(s.fields.length, 0);
  });

  it('lists one field occurrence per spread of a fragment (the rate limit counts them)', () => {
    const s = shape(
      '{ ...A ...A a: hello } fragment A on Query { hello ...B } fragment B on Query { hello }',
    );
    assert.equal(s.fields.filter((f) => f.coordinate === 'Query.hello').length, 5);
    assert.equal(s.aliases, 1);
    assert.equal(s.cost, 5);
  });

  it('walks 40 doubling fragments at once and stops past the cost limit (2^40 spreads otherwise)', () => {
    const s = shape(doubling(40, 'tree { name }'), {}, { maxCost: 5000 });
    assert.equal(s.complete, false);
    assert.ok(s.cost > 5000, `cost ${s.cost}`);
    assert.ok(s.fields.length <= 2 * 5000, `${s.fields.length} fields`);
  });

  it('walks 40 doubling fragments of cost-free __typename at once, without any limit to stop it', () => {
    const s = shape(doubling(40, '__typename'), {}, { maxCost: 5000 });
    assert.deepEqual(
      { complete: s.complete, cost: s.cost, fields: s.fields.length, depth: s.depth },
      { complete: true, cost: 0, fields: 0, depth: 0 },
    );
  });

  it('stops at the first field past the depth limit, inside 30 doubling fragments too', () => {
    const s = shape(doubling(30, 'tree { child { name } }'), {}, { maxDepth: 2 });
    assert.equal(s.complete, false);
    assert.equal(s.depth, 3);
  });

  it('at exactly the depth and cost limits the walk completes; one past, it stops', () => {
    const six = '{ tree { child { child { child { child { name } } } } } }';
    assert.deepEqual(
      (({ depth, complete }) => ({ depth, complete }))(shape(six, {}, { maxDepth: 6 })),
      { depth: 6, complete: true },
    );
    assert.equal(shape(six, {}, { maxDepth: 5 }).complete, false);
    // users(first: 250) { id } costs 250 * (1 + 1) = 500
    const at = shape('{ users(first: 250) { id } }', {}, { maxCost: 500 });
    assert.deepEqual({ cost: at.cost, complete: at.complete }, { cost: 500, complete: true });
    const past = shape('{ users(first: 250) { id } hello }', {}, { maxCost: 500 });
    assert.equal(past.complete, false);
    assert.ok(past.cost > 500);
  });

  it('counts inline fragments and spreads in the nesting, and stops past its limit', () => {
    const inline = (n: number) => `{${'...on Query{'.repeat(n)}hello${'}'.repeat(n)}}`;
    // depth counts fields only: 1,500 nested inline fragments have depth 1 and cost 1
    assert.deepEqual(
      (({ depth, nesting, complete }) => ({ depth, nesting, complete }))(
        shape(inline(3), {}, { maxNesting: 4 }),
      ),
      { depth: 1, nesting: 4, complete: true },
    );
    assert.equal(shape(inline(4), {}, { maxNesting: 4 }).complete, false);
    const deep = shape(inline(1500));
    assert.deepEqual(
      { complete: deep.complete, nesting: deep.nesting },
      { complete: false, nesting: 4 * 12 + 1 },
    );
    // a spread nests its fragment's selections one level below it, like an inline fragment
    assert.equal(shape('{ ...F } fragment F on Query { hello }').nesting, 2);
    const spreads = shape(doubling(30, '__typename'), {}, { maxNesting: 20 });
    assert.deepEqual(
      { complete: spreads.complete, nesting: spreads.nesting },
      {
        complete: false,
        nesting: 21,
      },
    );
  });

  it('costs a list field by its longest list argument when that is over the default list size', () => {
    const ids = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => String(i)));
    // 100 ids: 100 * (1 + title 1)
    assert.equal(shape(`{ products(ids: ${ids(100)}) { title } }`).cost, 200);
    assert.equal(
      shape('query($ids: [ID!]!) { products(ids: $ids) { title } }', {
        ids: JSON.parse(ids(100)) as unknown,
      }).cost,
      200,
    );
    // a short list never costs less than an unknown one
    assert.equal(shape(`{ products(ids: ${ids(3)}) { title } }`).cost, 20);
  });

  it('reads page sizes inside input objects, from variables and from argument defaults', () => {
    assert.equal(shape('{ search(page: { first: 40 }) { id } }').cost, 80);
    assert.equal(
      shape('query($p: PageInput) { search(page: $p) { id } }', { p: { first: 40 } }).cost,
      80,
    );
    assert.equal(shape('{ search(filter: { and: [{ page: { first: 70 } }] }) { id } }').cost, 140);
    // feed(take: Int = 50)
    assert.equal(shape('{ feed { id } }').cost, 100);
  });

  it('refuses a page size that is zero or negative, wherever it is given', () => {
    badInput(() => shape('{ users(first: 0) { id } }'), /Query\.users: page size "first"/);
    badInput(() => shape('{ users(first: -5) { id } }'), /got -5/);
    badInput(() => shape('query($n: Int) { users(first: $n) { id } }', { n: 0 }), /first/);
    badInput(() => shape('{ search(page: { first: 0 }) { id } }'), /Query\.search/);
    badInput(() => shape('{ search(filter: { and: [{ page: { first: -1 } }] }) { id } }'), /-1/);
    badInput(() => shape('{ feed(take: 0) { id } }'), /take/);
  });

  it('lists the concrete types an interface field can resolve to, narrowed by enclosing selections', () => {
    const impls = (query: string) =>
      shape(query)
        .fields.filter((f) => f.coordinate === 'Node.id')
        .map((f) => [...f.implementations].sort());
    assert.deepEqual(impls('{ node(id: "1") { id } }'), [
      ['Article.id', 'Invoice.id', 'Product.id'],
    ]);
    // the same fragment spread in two contexts: each gets its own narrowing
    assert.deepEqual(
      impls(
        '{ results { ... on Article { ...N } ... on Node { ...N } } node(id: "1") { ...N } } fragment N on Node { id }',
      ),
      [['Article.id'], ['Article.id', 'Product.id'], ['Article.id', 'Invoice.id', 'Product.id']],
    );
    const onObject = shape('{ results { ... on Product { id } } }').fields.find(
      (f) => f.coordinate === 'Product.id',
    );
    assert.deepEqual(onObject?.implementations, []);
  });
});
