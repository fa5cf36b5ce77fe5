import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSchema, getVariableValues, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { collectLimitedCalls } from './limited-calls.js';

const schema = buildSchema(`
  input LoginInput { email: String! password: String! }
  interface Node { id: ID! secret: String }
  type Item implements Node { id: ID! secret: String }
  type Other implements Node { id: ID! secret: String }
  type Query { probe: String node: Node nodes: [Node!]! }
  type Mutation { login(input: LoginInput!): String }
`);

const limited = new Map<string, readonly string[]>([
  ['Query.probe', []],
  ['Mutation.login', ['input.email']],
  ['Item.secret', []],
]);

const calls = (query: string, raw: Record<string, unknown> = {}) => {
  const document = parse(query);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], raw);
  assert.equal(coerced.errors, undefined);
  return collectLimitedCalls(schema, document, operation, coerced.coerced, limited).map((c) => ({
    ...c,
  }));
};

describe('collectLimitedCalls', () => {
  it('counts each alias and reads only the requested argument paths (never the password)', () => {
    const out = calls(
      `mutation ($i: LoginInput!) {
        a: login(input: $i) b: login(input: $i)
        c: login(input: { email: "other@x.y", password: "p" })
      }`,
      { i: { email: 'a@x.y', password: 'secret' } },
    );
    assert.deepEqual(out, [
      { coordinate: 'Mutation.login', args: { 'input.email': 'a@x.y' }, count: 2 },
      { coordinate: 'Mutation.login', args: { 'input.email': 'other@x.y' }, count: 1 },
    ]);
  });

  it('multiplies a fragment at each spread without walking it again: 40 doubling fragments in no time', () => {
    const n = 40;
    const fragments = Array.from(
      { length: n },
      (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
    ).join('\n');
    const started = performance.now();
    const out = calls(`{ ...F0 } ${fragments} fragment F${n} on Query { probe }`);
    assert.equal(out.length, 1);
    assert.equal(out[0]?.count, 2 ** 31); // 2^40, saturated
    assert.ok(performance.now() - started < 1000);
    // occurrences as written, not as execution merges them (conservative, like the cost)
    assert.equal(calls(`{ ...A ...A } fragment A on Query { probe probe: probe }`)[0]?.count, 4);
  });

  it('applies @skip / @include', () => {
    assert.deepEqual(calls(`query ($s: Boolean!) { probe @skip(if: $s) }`, { s: true }), []);
    assert.equal(calls(`{ probe @include(if: true) x: probe }`)[0]?.count, 2);
  });

  it('a field selected on an interface counts against the limits of its implementations', () => {
    assert.deepEqual(calls(`{ node { secret } nodes { ... on Item { secret } } }`), [
      { coordinate: 'Item.secret', args: {}, count: 2 },
    ]);
  });
});
