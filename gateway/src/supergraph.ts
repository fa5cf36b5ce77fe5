import { readFile } from 'node:fs/promises';
import {
  Kind,
  parse,
  print,
  valueFromASTUntyped,
  visit,
  type ConstDirectiveNode,
  type DocumentNode,
} from 'graphql';

/**
 * Whose window a `@rateLimit` counts in: `caller` (graphql-rate-limit's identity: the user, or the
 * client address when anonymous), `client` (the client address, whatever token is sent) or `args`
 * (only the `identityArgs` values, shared by every caller: e.g. one target email).
 */
export type RateLimitBy = 'caller' | 'client' | 'args';

const RATE_LIMIT_BY: readonly RateLimitBy[] = ['caller', 'client', 'args'];

/** One `@rateLimit(window, max, by, identityArgs)` as declared on a field (repeatable). */
export interface RateLimitRule {
  /** graphql-rate-limit window format: "10s", "1m", "1h". */
  readonly window: string;
  readonly max: number;
  readonly by: RateLimitBy;
  /** graphql-rate-limit's identityArgs: argument paths (`input.email`) whose values are part of the key. */
  readonly identityArgs: readonly string[];
}

/** Authorization declared with `@authenticated` / `@requiresScopes` on a field or a type. */
export interface AccessRule {
  readonly authenticated: boolean;
  /** OR of AND-sets: `[["admin"], ["partner", "ops"]]`. */
  readonly scopes?: readonly (readonly string[])[];
}

/** What the gateway enforces, read once from the supergraph SDL. */
export interface SupergraphPolicies {
  /** Keyed by type name (object, interface, scalar or enum). */
  readonly types: ReadonlyMap<string, AccessRule>;
  /** Keyed by `Type.field`. */
  readonly fields: ReadonlyMap<string, AccessRule>;
  readonly rateLimits: ReadonlyMap<string, readonly RateLimitRule[]>;
}

export interface LoadedSupergraph {
  /** The SDL handed to @apollo/gateway (see `forApolloGateway`). */
  readonly sdl: string;
  readonly policies: SupergraphPolicies;
}

export async function loadSupergraph(path: string): Promise<LoadedSupergraph> {
  const doc = parse(await readFile(path, 'utf8'));
  return { sdl: print(forApolloGateway(doc)), policies: extractPolicies(doc) };
}

/** The SECURITY features this gateway enforces itself (use-authorization.ts). */
export const ENFORCED_SECURITY_FEATURES = [
  /^https:\/\/specs\.apollo\.dev\/authenticated\/v0\.\d+$/,
  /^https:\/\/specs\.apollo\.dev\/requiresScopes\/v0\.\d+$/,
];

/**
 * @apollo/gateway refuses a supergraph that links a `for: SECURITY` feature, because it cannot
 * enforce it. This gateway enforces @authenticated and @requiresScopes itself before planning, so
 * for exactly those links the `for: SECURITY` marker is dropped; any other SECURITY feature (e.g.
 * @policy) is left in place and still stops the gateway at start-up, rather than being ignored.
 */
export function forApolloGateway(doc: DocumentNode): DocumentNode {
  return visit(doc, {
    Directive(node) {
      if (node.name.value !== 'link') return undefined;
      const url = node.arguments?.find((a) => a.name.value === 'url');
      if (url?.value.kind !== Kind.STRING) return undefined;
      const urlValue = url.value.value;
      if (!ENFORCED_SECURITY_FEATURES.some((re) => re.test(urlValue))) return undefined;
      return { ...node, arguments: node.arguments?.filter((a) => a.name.value !== 'for') };
    },
  });
}

/** Names the directives were imported under (`@link(import: [{name: "@x", as: "@y"}])`). */
function importedNames(doc: DocumentNode): Map<string, string> {
  const names = new Map<string, string>([
    ['authenticated', 'authenticated'],
    ['requiresScopes', 'requiresScopes'],
    ['rateLimit', 'rateLimit'],
  ]);
  for (const def of doc.definitions) {
    if (def.kind !== Kind.SCHEMA_DEFINITION && def.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of def.directives ?? []) {
      if (link.name.value !== 'link') continue;
      const imports = link.arguments?.find((a) => a.name.value === 'import');
      if (imports === undefined) continue;
      const list = valueFromASTUntyped(imports.value);
      if (!Array.isArray(list)) continue;
      for (const entry of list as unknown[]) {
        if (typeof entry !== 'object' || entry === null) continue;
        const { name, as } = entry as { name?: unknown; as?: unknown };
        if (typeof name === 'string' && typeof as === 'string')
          names.set(name.replace(/^@/, ''), as.replace(/^@/, ''));
      }
    }
  }
  return names;
}

function accessRule(
  directives: readonly ConstDirectiveNode[] | undefined,
  authenticatedName: string,
  scopesName: string,
): AccessRule | undefined {
  let authenticated = false;
  let scopes: string[][] | undefined;
  for (const d of directives ?? []) {
    if (d.name.value === authenticatedName) authenticated = true;
    if (d.name.value === scopesName) {
      const arg = d.arguments?.find((a) => a.name.value === 'scopes');
      const value = arg === undefined ? [] : valueFromASTUntyped(arg.value);
      const sets = Array.isArray(value)
        ? value.map((set) => (Array.isArray(set) ? set.map(String) : [String(set)]))
        : [];
      scopes = [...(scopes ?? []), ...sets];
    }
  }
  if (!authenticated && scopes === undefined) return undefined;
  // Scopes imply an authenticated caller.
  return { authenticated: true, ...(scopes === undefined ? {} : { scopes }) };
}

function rateLimitRules(
  directives: readonly ConstDirectiveNode[] | undefined,
  name: string,
  coordinate: string,
): RateLimitRule[] {
  return (directives ?? [])
    .filter((x) => x.name.value === name)
    .map((d) => {
      const args = Object.fromEntries(
        (d.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]),
      );
      if (typeof args.window !== 'string' || typeof args.max !== 'number')
        throw new Error(`supergraph: ${coordinate} @${name} needs window: String! and max: Int!`);
      const by = (args.by ?? 'caller') as RateLimitBy;
      if (!RATE_LIMIT_BY.includes(by))
        throw new Error(
          `supergraph: ${coordinate} @${name} by: "${String(by)}" is not one of ${RATE_LIMIT_BY.join(', ')}`,
        );
      const identityArgs: unknown = args.identityArgs ?? [];
      if (!Array.isArray(identityArgs) || !identityArgs.every((a) => typeof a === 'string'))
        throw new Error(
          `supergraph: ${coordinate} @${name} identityArgs must be a list of strings`,
        );
      if (by === 'args' && identityArgs.length === 0)
        throw new Error(`supergraph: ${coordinate} @${name} by: "args" needs identityArgs`);
      return { window: args.window, max: args.max, by, identityArgs: identityArgs };
    });
}

/** Reads @authenticated, @requiresScopes and @rateLimit from the supergraph's type and field definitions. */
export function extractPolicies(doc: DocumentNode): SupergraphPolicies {
  const names = importedNames(doc);
  const authName = names.get('authenticated') ?? 'authenticated';
  const scopesName = names.get('requiresScopes') ?? 'requiresScopes';
  const rateName = names.get('rateLimit') ?? 'rateLimit';
  const types = new Map<string, AccessRule>();
  const fields = new Map<string, AccessRule>();
  const rateLimits = new Map<string, RateLimitRule[]>();
  for (const def of doc.definitions) {
    if (
      def.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      def.kind !== Kind.OBJECT_TYPE_EXTENSION &&
      def.kind !== Kind.INTERFACE_TYPE_DEFINITION &&
      def.kind !== Kind.INTERFACE_TYPE_EXTENSION &&
      def.kind !== Kind.SCALAR_TYPE_DEFINITION &&
      def.kind !== Kind.ENUM_TYPE_DEFINITION
    )
      continue;
    const typeName = def.name.value;
    const typeRule = accessRule(def.directives, authName, scopesName);
    if (typeRule !== undefined) types.set(typeName, typeRule);
    if (!('fields' in def)) continue;
    for (const field of def.fields ?? []) {
      const key = `${typeName}.${field.name.value}`;
      const rule = accessRule(field.directives, authName, scopesName);
      if (rule !== undefined) fields.set(key, rule);
      const limits = rateLimitRules(field.directives, rateName, key);
      if (limits.length > 0) rateLimits.set(key, [...(rateLimits.get(key) ?? []), ...limits]);
    }
  }
  return { types, fields, rateLimits };
}
