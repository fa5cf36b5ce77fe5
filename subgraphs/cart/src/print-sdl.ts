// Run by `npm run build`: writes schema.graphql, the SDL that composition reads.
import { fileURLToPath } from 'node:url';
import { writeSdlFile } from '@shop/subgraph-kit';
import { buildCartSchema } from './schema.js';

writeSdlFile(
  await buildCartSchema(),
  fileURLToPath(new URL('../../schema.graphql', import.meta.url)),
);
