// Run by `npm run build`: writes schema.graphql, the SDL that composition reads.
import { fileURLToPath } from 'node:url';
import { writeSdlFile } from '@shop/subgraph-kit';
import { buildDeliverySchema } from './schema.js';

writeSdlFile(
  await buildDeliverySchema(),
  fileURLToPath(new URL('../../schema.graphql', import.meta.url)),
);
