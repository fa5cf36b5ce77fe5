import { baseConfigSchema, DEV_GATEWAY_SECRET, env } from '@shop/platform';
import { holdsDevServiceKey, serviceKeysSetting, type ServiceKeys } from '@shop/service-client';
import { z } from 'zod';

/** Development-only default of GATEWAY_SHARED_SECRET (the platform's); refused in production. */
export { DEV_GATEWAY_SECRET };

/**
 * Settings every subgraph reads: PORT, HOST, GATEWAY_SHARED_SECRET, NODE_ENV, LOG_LEVEL. A
 * production config with the development proof secret is a config error (loadConfig: exit 78);
 * the refinement survives `.extend()`.
 */
export const subgraphConfigSchema = (defaultPort: number) =>
  baseConfigSchema
    .extend({
      PORT: env.port(defaultPort),
      HOST: env.string('127.0.0.1'),
      GATEWAY_SHARED_SECRET: z
        .string()
        .min(32, 'must be at least 32 characters')
        .default(DEV_GATEWAY_SECRET),
      SERVICE_PUBLIC_KEYS: serviceKeysSetting,
    })
    .superRefine((value, ctx) => {
      if (value.NODE_ENV === 'production' && holdsDevServiceKey(value.SERVICE_PUBLIC_KEYS))
        ctx.addIssue({
          code: 'custom',
          path: ['SERVICE_PUBLIC_KEYS'],
          message: 'a development key is not allowed in production',
        });
      if (value.NODE_ENV === 'production' && value.GATEWAY_SHARED_SECRET === DEV_GATEWAY_SECRET)
        ctx.addIssue({
          code: 'custom',
          path: ['GATEWAY_SHARED_SECRET'],
          message: 'the development default is not allowed in production',
        });
    });

export type SubgraphConfig = z.infer<ReturnType<typeof subgraphConfigSchema>>;

/** The part of `startSubgraphServer`'s options that comes straight from the config. */
export interface SubgraphServerSettings {
  readonly gatewaySecret: string;
  readonly serviceKeys?: ServiceKeys;
  readonly production: boolean;
  readonly port: number;
  readonly host: string;
}

/** GATEWAY_SHARED_SECRET, NODE_ENV, PORT and HOST as `startSubgraphServer` options. */
export const subgraphServerSettings = (
  config: Pick<SubgraphConfig, 'GATEWAY_SHARED_SECRET' | 'NODE_ENV' | 'PORT' | 'HOST'> &
    Partial<Pick<SubgraphConfig, 'SERVICE_PUBLIC_KEYS'>>,
): SubgraphServerSettings => ({
  gatewaySecret: config.GATEWAY_SHARED_SECRET,
  ...(config.SERVICE_PUBLIC_KEYS !== undefined ? { serviceKeys: config.SERVICE_PUBLIC_KEYS } : {}),
  production: config.NODE_ENV === 'production',
  port: config.PORT,
  host: config.HOST,
});
