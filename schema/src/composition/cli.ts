// npm run compose -w schema        writes schema/supergraph.graphql from subgraphs/*/schema.graphql
// npm run compose:check -w schema  exits 1 when composition fails or the committed file is stale
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { compose, readSubgraphs, supergraphPath } from './compose.js';

const check = process.argv.includes('--check');
const outcome = compose(readSubgraphs());
if (!outcome.ok) {
  for (const line of outcome.errors) process.stderr.write(`composition error: ${line}\n`);
  process.exit(1);
}
for (const hint of outcome.hints) process.stderr.write(`composition hint: ${hint}\n`);
const target = supergraphPath();
const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
if (check) {
  if (current !== outcome.supergraphSdl) {
    process.stderr.write(
      `${target} is stale: run \`npm run build && npm run compose -w schema\` and commit it\n`,
    );
    process.exit(1);
  }
  process.stdout.write('supergraph is up to date\n');
} else {
  writeFileSync(target, outcome.supergraphSdl);
  process.stdout.write(`wrote ${target}\n`);
}
