// GraphQL Code Generator: cart's calls to catalog as typed documents, validated against catalog's
// own SDL (the subgraph cart calls directly). `npm run codegen` writes, `codegen:check` verifies.
// typescript-operations 6 emits every type the operations use; the `typescript` plugin beside it
// declared the enums a second time (an enum and a union of one name, which tsc refuses).
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../catalog/schema.graphql',
  documents: ['src/clients/catalog.graphql'],
  generates: {
    'src/clients/__generated__/catalog.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
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
