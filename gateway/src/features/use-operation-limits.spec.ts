import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSchema, GraphQLError, Kind, parse } from 'graphql';
import type { GatewayContext } from '../gateway-feature.js';
import { operationShape } from '../operation-shape.js';
import { useOperationLimits } from './use-operation-limits.js';

const schema = buildSchema(`
  type Query { users(first: Int): [User!]! tree: Tree hello: String }
  type User { id: ID! }
  type Tree { child: Tree name: String }
`);
const limits = { maxDepth: 6, maxCost: 500, maxAliases: 3 };
const feature = useOperationLimits(limits);

/** What the gateway does per operation: the shape walk with the same limits, then the feature. */
const check = async (query: string): Promise<string | undefined> => {
  const document = parse(query);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operation?.kind !== Kind.OPERATION_DEFINITION) throw new Error('no operation');
  const shape = operationShape(schema, document, operation, {}, limits);
  try {
    await feature.onOperation?.({
      schema,
      document,
      operation,
      variables: {},
      context: {} as GatewayContext,
      shape,
    });
    return undefined;
  } catch (err) {
    assert.ok(err instanceof GraphQLError);
    assert.equal(err.extensions.code, 'BAD_USER_INPUT');
    return err.message;
  }
};

const nested = (depth: number): string =>
  `{ tree { ${'child { '.repeat(depth - 2)}name${' }'.repeat(depth - 2)} } }`;

describe('useOperationLimits', () => {
  it('accepts exactly the depth limit and rejects one past it', async () => {
    assert.equal(await check(nested(6)), undefined);
    assert.match((await check(nested(7))) ?? '', /Query depth at least 7 exceeds the limit of 6/);
    // through a fragment the same
    assert.equal(
      await check(
        '{ tree { ...C } } fragment C on Tree { child { child { child { child { name } } } } }',
      ),
      undefined,
    );
    assert.match(
      (await check(
        '{ tree { ...C } } fragment C on Tree { child { child { child { child { child { name } } } } } }',
      )) ?? '',
      /depth at least 7/,
    );
  });

  it('accepts exactly the cost limit and rejects one past it', async () => {
    // users(first: 250) { id } costs 250 * (1 + 1) = 500; hello adds 1
    assert.equal(await check('{ users(first: 250) { id } }'), undefined);
    assert.match(
      (await check('{ users(first: 250) { id } hello }')) ?? '',
      /Query cost at least 501 exceeds the limit of 500/,
    );
  });

  it('accepts exactly the alias limit and rejects one past it', async () => {
    assert.equal(await check('{ a: hello b: hello c: hello }'), undefined);
    assert.match((await check('{ a: hello b: hello c: hello d: hello }')) ?? '', /4 aliases/);
  });

  it('rejects a shape the walk stopped at other limits than its own', async () => {
    const document = parse('{ users(first: 250) { id } hello }');
    const operation = document.definitions[0];
    if (operation?.kind !== Kind.OPERATION_DEFINITION) throw new Error('no operation');
    const shape = operationShape(schema, document, operation, {}, { maxCost: 10 });
    assert.equal(shape.complete, false);
    await assert.rejects(
      async () =>
        useOperationLimits({ maxCost: 100_000 }).onOperation?.({
          schema,
          document,
          operation,
          variables: {},
          context: {} as GatewayContext,
          shape,
        }),
      /over the depth or cost limit/,
    );
  });
});
