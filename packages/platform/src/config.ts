import { z } from 'zod';
import {
  DEV_GATEWAY_PROOF_PRIVATE_KEY,
  DEV_GATEWAY_PROOF_PUBLIC_KEY,
  parseGatewayProofKey,
} from './gateway-contract.js';

/** A configuration that failed validation; `problems` holds one line per bad or missing setting. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

/**
 * Parses the environment once into a frozen, typed object. Each problem names the variable:
 * `config: PORT: expected a number, got "abc"`. A variable set to the empty string counts as not
 * set (`PORT=` in a shell or an env file means "use the default", not port 0).
 */
export function parseConfig<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv,
): Readonly<z.infer<S>> {
  const set = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const result = schema.safeParse(set);
  if (result.success) return Object.freeze(result.data);
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.join('.');
    const raw = set[key];
    const got = raw === undefined ? 'it is not set' : `got "${shown(key, raw)}"`;
    return `config: ${key}: ${issue.message} (${got})`;
  });
  throw new ConfigError(problems);
}

/** A value as a config error may echo it: secrets hidden, and the password of a URL. */
function shown(key: string, raw: string): string {
  if (isSecretName(key)) return '***';
  return raw.replace(/(\/\/[^:/@\s]*):[^@/\s]*@/, '$1:***@');
}

/** Like parseConfig, but a bad configuration prints its lines and stops the process (exit 78, EX_CONFIG). */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv,
): Readonly<z.infer<S>> {
  try {
    return parseConfig(schema, env);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const line of err.problems) process.stderr.write(`${line}\n`);
      process.exit(78);
    }
    throw err;
  }
}

const SECRET = /(PASSWORD|SECRET|TOKEN|KEY|CREDENTIAL)/i;
export const isSecretName = (name: string): boolean => SECRET.test(name);

/** Building blocks for service schemas. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  url: (fallback: string) => z.url().default(fallback),
  string: (fallback: string) => z.string().min(1).default(fallback),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0'])
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1'),
  list: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
      ),
  logLevel: () =>
    z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /**
   * Unset means production: introspection, Sandbox, stack traces and development keys are only
   * for a process that asks for them (`npm start` sets development, the tests set test).
   */
  nodeEnv: () => z.enum(['development', 'test', 'production']).default('production'),
  /**
   * GATEWAY_PROOF_PRIVATE_KEY (gateway) or GATEWAY_PROOF_PUBLIC_KEY (subgraphs): an Ed25519 key as
   * PEM or JWK, read into a KeyObject. Defaults to the committed development pair, which the
   * service's schema must refuse in production (`isDevGatewayProofKey`).
   */
  gatewayProofKey: (kind: 'private' | 'public') =>
    z
      .string()
      .default(kind === 'private' ? DEV_GATEWAY_PROOF_PRIVATE_KEY : DEV_GATEWAY_PROOF_PUBLIC_KEY)
      .transform((raw, ctx) => {
        try {
          return parseGatewayProofKey(raw, kind);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      }),
};

/** Settings every process shares. */
export const baseConfigSchema = z.object({
  NODE_ENV: env.nodeEnv(),
  LOG_LEVEL: env.logLevel(),
});
