// GraphQL Code Generator: cart's calls to catalog as typed documents, validated against catalog's
// own SDL (the subgraph cart calls directly). `npm run codegen` writes, `codegen:check` verifies.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../catalog/schema.graphql',
  documents: ['src/clients/catalog.graphql'],
  generates: {
    'src/clients/__generated__/catalog.ts': {
      plugins: ['typescript', 'typescript-operations', 'typed-document-node'],
      config: {
        onlyOperationTypes: true,
        useTypeImports: true,
        avoidOptionals: true,
        scalars: { ID: 'string' },
      },
    },
  },
};
export default config;
