import type { KeyObject } from 'node:crypto';
import { baseConfigSchema, env, isDevGatewayProofKey } from '@shop/platform';
import { holdsDevServiceKey, serviceKeysSetting, type ServiceKeys } from '@shop/service-client';
import type { z } from 'zod';

/**
 * Settings every subgraph reads: PORT, HOST, GATEWAY_PROOF_PUBLIC_KEY, NODE_ENV, LOG_LEVEL. A
 * production config (NODE_ENV production or unset) with the development proof key is a config
 * error (loadConfig: exit 78); the refinement survives `.extend()`.
 */
export const subgraphConfigSchema = (defaultPort: number) =>
  baseConfigSchema
    .extend({
      PORT: env.port(defaultPort),
      HOST: env.string('127.0.0.1'),
      /** The gateway's Ed25519 public key (PEM or JWK) that verifies its proofs. */
      GATEWAY_PROOF_PUBLIC_KEY: env.gatewayProofKey('public'),
      SERVICE_PUBLIC_KEYS: serviceKeysSetting,
    })
    .superRefine((value, ctx) => {
      if (value.NODE_ENV === 'production' && holdsDevServiceKey(value.SERVICE_PUBLIC_KEYS))
        ctx.addIssue({
          code: 'custom',
          path: ['SERVICE_PUBLIC_KEYS'],
          message: 'a development key is not allowed in production',
        });
      if (value.NODE_ENV === 'production' && isDevGatewayProofKey(value.GATEWAY_PROOF_PUBLIC_KEY))
        ctx.addIssue({
          code: 'custom',
          path: ['GATEWAY_PROOF_PUBLIC_KEY'],
          message: 'the development key is not allowed in production',
        });
    });

export type SubgraphConfig = z.infer<ReturnType<typeof subgraphConfigSchema>>;

/** The part of `startSubgraphServer`'s options that comes straight from the config. */
export interface SubgraphServerSettings {
  readonly gatewayProofKey: KeyObject;
  readonly serviceKeys?: ServiceKeys;
  readonly production: boolean;
  readonly port: number;
  readonly host: string;
}

/** GATEWAY_PROOF_PUBLIC_KEY, NODE_ENV, PORT and HOST as `startSubgraphServer` options. */
export const subgraphServerSettings = (
  config: Pick<SubgraphConfig, 'GATEWAY_PROOF_PUBLIC_KEY' | 'NODE_ENV' | 'PORT' | 'HOST'> &
    Partial<Pick<SubgraphConfig, 'SERVICE_PUBLIC_KEYS'>>,
): SubgraphServerSettings => ({
  gatewayProofKey: config.GATEWAY_PROOF_PUBLIC_KEY,
  ...(config.SERVICE_PUBLIC_KEYS !== undefined ? { serviceKeys: config.SERVICE_PUBLIC_KEYS } : {}),
  production: config.NODE_ENV === 'production',
  port: config.PORT,
  host: config.HOST,
});
