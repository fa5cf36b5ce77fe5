import { writeFileSync } from 'node:fs';
import { printSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';

/**
 * Writes the subgraph SDL (what `_service { sdl }` returns) to `path` (each subgraph's `schema.graphql`, read by composition).
 * Run by each subgraph's `build` script so the file always matches the code.
 */
export function writeSdlFile(schema: GraphQLSchema, path: string): void {
  writeFileSync(path, printSubgraphSchema(schema));
}
