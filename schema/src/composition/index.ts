export {
  compose,
  readSubgraphs,
  repoRoot,
  supergraphPath,
  type CompositionOutcome,
  type SubgraphSource,
} from './compose.js';
export { SUBGRAPHS, type SubgraphName } from './subgraphs.js';
