import { writeFileSync } from 'node:fs';
import type { GraphQLSchema } from 'graphql';
import { printSubgraphSDL } from './build-subgraph-schema.js';

/**
 * Writes the subgraph SDL to `path` (each subgraph's `schema.graphql`, read by composition).
 * Run by each subgraph's `build` script so the file always matches the code.
 */
export function writeSdlFile(schema: GraphQLSchema, path: string): void {
  writeFileSync(path, printSubgraphSDL(schema));
}
