// Run by `npm run build`: writes schema.graphql, the SDL that composition reads.
import { fileURLToPath } from 'node:url';
import { writeSdlFile } from '@shop/subgraph-kit';
import { buildOrdersSchema } from './schema.js';

writeSdlFile(
  await buildOrdersSchema(),
  fileURLToPath(new URL('../../schema.graphql', import.meta.url)),
);
