import { baseConfigSchema, env } from '@shop/platform';
import { z } from 'zod';

/** Development-only default of GATEWAY_SHARED_SECRET; refused when NODE_ENV=production. */
export const DEV_GATEWAY_SECRET = 'dev-only-gateway-proof-secret-change-me-please';

/** Settings every subgraph reads: PORT, HOST, GATEWAY_SHARED_SECRET, NODE_ENV, LOG_LEVEL. */
export const subgraphConfigSchema = (defaultPort: number) =>
  baseConfigSchema.extend({
    PORT: env.port(defaultPort),
    HOST: env.string('127.0.0.1'),
    GATEWAY_SHARED_SECRET: z
      .string()
      .min(32, 'must be at least 32 characters')
      .default(DEV_GATEWAY_SECRET),
  });

/**
 * Stops the process (exit 78, like loadConfig) when production runs with the development proof
 * secret. Call from main.ts right after loadConfig.
 */
export function refuseDevSecretInProduction(config: {
  readonly NODE_ENV: string;
  readonly GATEWAY_SHARED_SECRET: string;
}): void {
  if (config.NODE_ENV === 'production' && config.GATEWAY_SHARED_SECRET === DEV_GATEWAY_SECRET) {
    process.stderr.write(
      'config: GATEWAY_SHARED_SECRET: the development default is not allowed in production\n',
    );
    process.exit(78);
  }
}
