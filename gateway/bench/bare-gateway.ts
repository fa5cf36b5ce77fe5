// The baseline: @apollo/gateway + @apollo/server as documented, nothing added. With
// BARE_FETCHER=undici it uses this gateway's subgraph client instead of Apollo's default, to
// separate what our features cost from what the faster client saves.
import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { createSubgraphFetcher } from '../src/subgraph-fetcher.js';

const { fetcher } = createSubgraphFetcher();
const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(process.env.SUPERGRAPH_PATH ?? '', 'utf8'),
  ...(process.env.BARE_FETCHER === 'undici'
    ? { buildService: ({ url }) => new RemoteGraphQLDataSource({ url, fetcher }) }
    : {}),
});
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env.PORT ?? 0), host: '127.0.0.1' },
});
process.stdout.write(`${JSON.stringify({ msg: 'listening', port: Number(new URL(url).port) })}\n`);
process.once('SIGTERM', () => {
  void server.stop().then(() => process.exit(0));
});
