/**
 * The subgraphs of the supergraph, with the routing URL written into `schema/supergraph.graphql`
 * (the default local ports; a gateway may route elsewhere). Each subgraph's `npm run build`
 * writes its SDL to `subgraphs/<name>/schema.graphql`, which composition reads.
 */
export const SUBGRAPHS = [
  { name: 'catalog', url: 'http://127.0.0.1:4001/graphql' },
  { name: 'cart', url: 'http://127.0.0.1:4002/graphql' },
  { name: 'orders', url: 'http://127.0.0.1:4003/graphql' },
  { name: 'delivery', url: 'http://127.0.0.1:4004/graphql' },
  { name: 'users', url: 'http://127.0.0.1:4005/graphql' },
] as const;

export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];
