// Event-loop time of the operation shape walk for a document of doubling fragments
// (`query{...F0} fragment F0 on Query{...F1 ...F1} ... fragment Fn on Query{product(id:"1"){id}}`),
// the query of issue 8 point 1. The walk is synchronous, so the time one call takes is the time the
// event loop is blocked. Not a test: it prints figures and asserts nothing.
//   node gateway/dist/bench/shape-walk.js [fragment counts, default 12,16,20,40] [module]
// `module` is the path of another build of operation-shape.js to measure (e.g. the old one); the
// default is this build's. Each count is run once after one warm-up on 8 fragments; a count whose
// previous run took more than 10 s is skipped.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSchema, Kind, parse, validate, type OperationDefinitionNode } from 'graphql';
import type { operationShape as OperationShapeFn } from '../src/operation-shape.js';

const schema = buildSchema(`
  type Query { product(id: ID!): Product products(ids: [ID!]!): [Product]! }
  type Product { id: ID! title: String! }
`);

/**
 * The doubling document with `n + 1` fragments (F0 ... Fn), about 37 bytes per fragment. With
 * `leaf: "__typename"` nothing costs anything, so no cost limit stops the walk: only memoising does.
 */
export const doublingQuery = (n: number, leaf = 'product(id:"1"){id}'): string => {
  const parts = ['query{...F0}'];
  for (let i = 0; i < n; i += 1) parts.push(`fragment F${i} on Query{...F${i + 1} ...F${i + 1}}`);
  parts.push(`fragment F${n} on Query{${leaf}}`);
  return parts.join(' ');
};

const counts = (process.argv[2] ?? '12,16,20,40').split(',').map(Number);
const modulePath = process.argv[3];
const { operationShape } = (await import(
  modulePath === undefined
    ? '../src/operation-shape.js'
    : pathToFileURL(path.resolve(modulePath)).href
)) as { operationShape: typeof OperationShapeFn };

// The gateway's own limits (config defaults). An old walk ignores the fifth argument.
const limits = { maxDepth: 12, maxCost: 5000 };

const run = (
  n: number,
  leaf?: string,
): { ms: number; validateMs: number; cost: number; bytes: number } => {
  const source = doublingQuery(n, leaf);
  const doc = parse(source);
  const t0 = performance.now();
  const errors = validate(schema, doc);
  const validateMs = performance.now() - t0;
  if (errors.length > 0) throw new Error(errors.map((e) => e.message).join('\n'));
  const op = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  const t1 = performance.now();
  const shape = operationShape(schema, doc, op as OperationDefinitionNode, {}, limits);
  return { ms: performance.now() - t1, validateMs, cost: shape.cost, bytes: source.length };
};

run(8);
console.log(`module: ${modulePath ?? 'this build'}`);
console.log('| leaf | fragments | bytes | graphql validate ms | shape walk ms | cost seen |');
console.log('|---|---|---|---|---|---|');
for (const leaf of [undefined, '__typename']) {
  let skip = false;
  for (const n of counts) {
    const label = leaf ?? 'product';
    if (skip) {
      console.log(`| ${label} | ${n} | | | skipped (the previous count took over 10 s) | |`);
      continue;
    }
    const r = run(n, leaf);
    console.log(
      `| ${label} | ${n} | ${r.bytes} | ${r.validateMs.toFixed(1)} | ${r.ms.toFixed(1)} | ${r.cost} |`,
    );
    if (r.ms > 10_000) skip = true;
  }
}
