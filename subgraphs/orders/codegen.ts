// GraphQL Code Generator: orders' calls to cart and users as typed documents, validated against
// each callee's own SDL. `npm run codegen` writes, `codegen:check` verifies (run by lint).
import type { CodegenConfig } from '@graphql-codegen/cli';

const plugins = ['typescript-operations', 'typed-document-node'];
const config = {
  onlyOperationTypes: true,
  useTypeImports: true,
  avoidOptionals: true,
  scalars: { ID: 'string' },
};

const codegen: CodegenConfig = {
  generates: {
    'src/clients/__generated__/cart.ts': {
      schema: '../cart/schema.graphql',
      documents: ['src/clients/cart.graphql'],
      plugins,
      config,
    },
    'src/clients/__generated__/users.ts': {
      // `_entities` is added to every subgraph by federation, so it is not in the printed SDL.
      schema: ['../users/schema.graphql', 'src/clients/federation-entities.graphql'],
      documents: ['src/clients/users.graphql'],
      plugins,
      config,
    },
  },
};
export default codegen;
