// The baseline: @apollo/gateway + @apollo/server as documented, nothing added.
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(process.env.SUPERGRAPH_PATH ?? '', 'utf8'),
});
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env.PORT ?? 0), host: '127.0.0.1' },
});
process.stdout.write(`${JSON.stringify({ msg: 'listening', port: Number(new URL(url).port) })}\n`);
process.once('SIGTERM', () => {
  void server.stop().then(() => process.exit(0));
});
