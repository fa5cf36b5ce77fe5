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
export interface AccessPolicy {
  readonly authenticated: boolean;
  /** OR of AND-sets: `[["admin"], ["partner", "ops"]]`. */
  readonly scopes?: readonly (readonly string[])[];
}

/** What the gateway enforces, read once from the supergraph SDL. */
export interface SupergraphPolicies {
  /** Keyed by type name (object, interface, scalar or enum). */
  readonly types: ReadonlyMap<string, AccessPolicy>;
  /** Keyed by `Type.field`. */
  readonly fields: ReadonlyMap<string, AccessPolicy>;
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

/** The security features this gateway enforces itself (use-authorization.ts), and their directive. */
const ENFORCED_DIRECTIVES = [
  {
    url: /^https:\/\/specs\.apollo\.dev\/authenticated\/v0\.\d+$/,
    feature: 'authenticated',
    directive: 'authenticated',
  },
  {
    url: /^https:\/\/specs\.apollo\.dev\/requiresScopes\/v0\.\d+$/,
    feature: 'requiresScopes',
    directive: 'requiresScopes',
  },
] as const;

/** The SECURITY features this gateway enforces itself (use-authorization.ts). */
export const ENFORCED_SECURITY_FEATURES: readonly RegExp[] = ENFORCED_DIRECTIVES.map((d) => d.url);

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

interface LinkImport {
  readonly name: string;
  readonly as: string;
}

interface Link {
  readonly url: string;
  readonly as: string | undefined;
  readonly imports: readonly LinkImport[];
}

function links(doc: DocumentNode): Link[] {
  const found: Link[] = [];
  for (const def of doc.definitions) {
    if (def.kind !== Kind.SCHEMA_DEFINITION && def.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of def.directives ?? []) {
      if (link.name.value !== 'link') continue;
      const args = Object.fromEntries(
        (link.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]),
      );
      if (typeof args.url !== 'string') continue;
      const imports: LinkImport[] = [];
      for (const entry of Array.isArray(args.import) ? (args.import as unknown[]) : []) {
        if (typeof entry === 'string') imports.push({ name: entry, as: entry });
        else if (typeof entry === 'object' && entry !== null) {
          const { name, as } = entry as { name?: unknown; as?: unknown };
          if (typeof name === 'string')
            imports.push({ name, as: typeof as === 'string' ? as : name });
        }
      }
      found.push({
        url: args.url,
        as: typeof args.as === 'string' ? args.as : undefined,
        imports,
      });
    }
  }
  return found;
}

/**
 * The name a linked feature's directive has in this document, by the rules of the link spec: an
 * imported directive goes by its import name (`{name: "@x", as: "@y"}` gives `y`); otherwise it is
 * namespaced by the link's `as` (or the feature's name), the feature's own directive taking the
 * namespace itself: `@link(url: ".../authenticated/v0.1", as: "auth")` makes it `@auth`, and
 * another directive `d` of that feature `@auth__d`.
 */
function linkedName(link: Link, feature: string, directive: string): string {
  const imported = link.imports.find((i) => i.name.replace(/^@/, '') === directive);
  if (imported !== undefined) return imported.as.replace(/^@/, '');
  const namespace = link.as ?? feature;
  return directive === feature ? namespace : `${namespace}__${directive}`;
}

interface DirectiveNames {
  readonly authenticated: string;
  readonly requiresScopes: string;
  readonly rateLimit: string;
}

/**
 * Names of the directives the gateway reads. A renamed link must never switch enforcement off
 * silently: forApolloGateway lets Apollo load a supergraph with these SECURITY links only because
 * this gateway enforces them, so a linked security feature whose directive is not defined under
 * the name worked out here (a link spec rule not followed, a version that renamed it) stops the
 * gateway at start-up instead.
 */
function directiveNames(doc: DocumentNode): DirectiveNames {
  const all = links(doc);
  const defined = new Set(
    doc.definitions.flatMap((d) => (d.kind === Kind.DIRECTIVE_DEFINITION ? [d.name.value] : [])),
  );
  const names: Record<string, string> = {};
  for (const { url, feature, directive } of ENFORCED_DIRECTIVES) {
    const linked = all.filter((l) => url.test(l.url));
    if (linked.length > 1)
      throw new Error(`supergraph: ${feature} is linked ${linked.length} times; expected once`);
    const link = linked[0];
    const name = link === undefined ? directive : linkedName(link, feature, directive);
    if (link !== undefined && !defined.has(name))
      throw new Error(
        `supergraph: ${link.url} is linked but no directive @${name} is defined; refusing to ` +
          `start rather than leave @${directive} unenforced`,
      );
    names[directive] = name;
  }
  // @rateLimit is this project's own composed directive: whatever link imports it names it.
  const rateImport = all.flatMap((l) => l.imports).find((i) => i.name === '@rateLimit');
  return {
    authenticated: names.authenticated ?? 'authenticated',
    requiresScopes: names.requiresScopes ?? 'requiresScopes',
    rateLimit: rateImport?.as.replace(/^@/, '') ?? 'rateLimit',
  };
}

/** Both rules must hold: authenticated if either says so, scopes AND-ed (one set from each side). */
export function mergeAccessPolicies(
  a: AccessPolicy | undefined,
  b: AccessPolicy | undefined,
): AccessPolicy | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (a.scopes === undefined || b.scopes === undefined) {
    const scopes = a.scopes ?? b.scopes;
    return { authenticated: a.authenticated || b.authenticated, ...(scopes ? { scopes } : {}) };
  }
  const sets = new Map<string, string[]>();
  for (const x of a.scopes)
    for (const y of b.scopes) {
      const set = [...new Set([...x, ...y])].sort();
      sets.set(set.join('\u0000'), set);
    }
  return { authenticated: true, scopes: [...sets.values()] };
}

function accessRule(
  directives: readonly ConstDirectiveNode[] | undefined,
  names: DirectiveNames,
): AccessPolicy | undefined {
  let rule: AccessPolicy | undefined;
  for (const d of directives ?? []) {
    if (d.name.value === names.authenticated)
      rule = mergeAccessPolicies(rule, { authenticated: true });
    if (d.name.value === names.requiresScopes) {
      const arg = d.arguments?.find((a) => a.name.value === 'scopes');
      const value = arg === undefined ? [] : valueFromASTUntyped(arg.value);
      // No readable scopes: an empty OR, which nobody satisfies (fails closed).
      const sets = Array.isArray(value)
        ? value.map((set) => (Array.isArray(set) ? set.map(String) : [String(set)]))
        : [];
      // Scopes imply an authenticated caller.
      rule = mergeAccessPolicies(rule, { authenticated: true, scopes: sets });
    }
  }
  return rule;
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

const merge = (
  map: Map<string, AccessPolicy>,
  key: string,
  rule: AccessPolicy | undefined,
): void => {
  const merged = mergeAccessPolicies(map.get(key), rule);
  if (merged !== undefined) map.set(key, merged);
};

/**
 * Reads @authenticated, @requiresScopes and @rateLimit from the supergraph's type and field
 * definitions. A type defined and extended gets the rules of both (AND), never the last one only.
 *
 * Interfaces: composition refuses @authenticated/@requiresScopes written on an interface and copies
 * its implementations' rules onto it (federation 2.9+), so an interface's rules are read as they
 * are, and selections through an interface are checked against the concrete types they can resolve
 * to (use-authorization). An @rateLimit on an interface field is copied down to each implementation
 * that has none of its own: limits count per concrete field (use-rate-limit), so the interface and
 * the concrete type cannot be two separate allowances.
 */
export function extractPolicies(doc: DocumentNode): SupergraphPolicies {
  const names = directiveNames(doc);
  const types = new Map<string, AccessPolicy>();
  const fields = new Map<string, AccessPolicy>();
  const rateLimits = new Map<string, RateLimitRule[]>();
  const fieldNames = new Map<string, Set<string>>();
  const interfacesOf = new Map<string, Set<string>>();
  for (const def of doc.definitions) {
    if (
      def.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      def.kind !== Kind.OBJECT_TYPE_EXTENSION &&
      def.kind !== Kind.INTERFACE_TYPE_DEFINITION &&
      def.kind !== Kind.INTERFACE_TYPE_EXTENSION &&
      def.kind !== Kind.SCALAR_TYPE_DEFINITION &&
      def.kind !== Kind.SCALAR_TYPE_EXTENSION &&
      def.kind !== Kind.ENUM_TYPE_DEFINITION &&
      def.kind !== Kind.ENUM_TYPE_EXTENSION
    )
      continue;
    const typeName = def.name.value;
    merge(types, typeName, accessRule(def.directives, names));
    if (!('fields' in def)) continue;
    const own = fieldNames.get(typeName) ?? new Set<string>();
    fieldNames.set(typeName, own);
    const implemented = interfacesOf.get(typeName) ?? new Set<string>();
    interfacesOf.set(typeName, implemented);
    for (const i of def.interfaces ?? []) implemented.add(i.name.value);
    for (const field of def.fields ?? []) {
      own.add(field.name.value);
      const key = `${typeName}.${field.name.value}`;
      merge(fields, key, accessRule(field.directives, names));
      const limits = rateLimitRules(field.directives, names.rateLimit, key);
      if (limits.length > 0) rateLimits.set(key, [...(rateLimits.get(key) ?? []), ...limits]);
    }
  }
  for (const [typeName, implemented] of interfacesOf)
    for (const iface of implemented)
      for (const field of fieldNames.get(iface) ?? []) {
        const key = `${typeName}.${field}`;
        const limit = rateLimits.get(`${iface}.${field}`);
        if (limit !== undefined && !rateLimits.has(key)) rateLimits.set(key, limit);
      }
  return { types, fields, rateLimits };
}
