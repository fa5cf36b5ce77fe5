export { gatewayConfigSchema, type GatewayConfig } from './config.js';
export type { GatewayContext, GatewayFeature, VerifiedToken } from './gateway-feature.js';
export { createProofSigner, PROOF_HEADER, STRIPPED_HEADERS } from './features/use-gateway-proof.js';
export { createGatewayServer, type GatewayServer } from './server.js';
