import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { SUBGRAPHS } from './subgraphs.js';

/** One subgraph's SDL as composition receives it. */
export interface SubgraphSource {
  readonly name: string;
  readonly url: string;
  readonly sdl: string;
}

export type CompositionOutcome =
  | { readonly ok: true; readonly supergraphSdl: string; readonly hints: readonly string[] }
  | { readonly ok: false; readonly errors: readonly string[] };

/** The repository root, from this file's place in `schema/dist/src/composition/`. */
export const repoRoot = (): string =>
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export const supergraphPath = (root: string = repoRoot()): string =>
  path.join(root, 'schema', 'supergraph.graphql');

/** Reads every subgraph's `schema.graphql` (written by its build). */
export function readSubgraphs(root: string = repoRoot()): SubgraphSource[] {
  return SUBGRAPHS.map(({ name, url }) => ({
    name,
    url,
    sdl: readFileSync(path.join(root, 'subgraphs', name, 'schema.graphql'), 'utf8'),
  }));
}

/** Composes with `@apollo/composition`; errors and hints come back as readable lines. */
export function compose(subgraphs: readonly SubgraphSource[]): CompositionOutcome {
  let services;
  try {
    services = subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) }));
  } catch (err) {
    return { ok: false, errors: [`parse: ${err instanceof Error ? err.message : String(err)}`] };
  }
  const result = composeServices(services);
  if (result.errors !== undefined) {
    return {
      ok: false,
      errors: result.errors.map((e) => {
        const code = (e.extensions as { code?: unknown } | undefined)?.code;
        return `${typeof code === 'string' ? code : 'ERROR'}: ${e.message}`;
      }),
    };
  }
  return {
    ok: true,
    supergraphSdl: `${result.supergraphSdl.trimEnd()}\n`,
    hints: result.hints.map((h) => `${h.definition.code}: ${h.message}`),
  };
}
