import 'reflect-metadata';

export { applyAccessDirectives, type AccessRule } from './auth-directives.js';
export { BatchLoader } from './batch-loader.js';
export {
  buildFederatedSchema,
  type ReferenceResolvers,
  type SubgraphSchemaOptions,
} from './build-subgraph-schema.js';
export { createErrorFormatter, type ErrorFormatterOptions } from './errors.js';
export {
  GATEWAY_PROOF_HEADER,
  GATEWAY_PROOF_ISSUER,
  InvalidGatewayProofError,
  verifyGatewayProof,
} from './gateway-proof.js';
export {
  accessDenied,
  assertSelfOrAdmin,
  hasRole,
  isRole,
  isSelfOrAdmin,
  ROLES,
  type Identity,
  type Role,
} from './identity.js';
export { closeOnFailure, resolverContainer } from './composition.js';
export {
  subgraphConfigSchema,
  subgraphServerSettings,
  type SubgraphConfig,
  type SubgraphServerSettings,
} from './config.js';
export {
  startSubgraphServer,
  type BaseSubgraphContext,
  type RunningSubgraph,
  type SubgraphServerOptions,
} from './server.js';
export { writeSdlFile } from './sdl-file.js';
export { serviceIdentity, type ServiceKeys } from './service-caller.js';
