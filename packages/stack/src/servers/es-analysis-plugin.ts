import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { StackError } from '../errors.ts';
import { run } from '../run.ts';

/** The plugin's folder name under `<es home>/plugins`. */
export const SHOP_ANALYSIS_PLUGIN = 'shop-analysis';

interface PluginSource {
  /** The unpacked integ-test zip, left as it was unpacked. */
  readonly esHome: string;
  readonly esVersion: string;
  /** `packages/stack/es-analysis`. */
  readonly sourceDir: string;
}

/**
 * The Elasticsearch home to run for these plugin sources: a copy of the pristine home, hard-linked
 * (no bytes copied), with this plugin in `plugins/`, named after a hash of the sources and the
 * server version.
 *
 * Why a home per hash rather than the plugin written into the shared home: the cache is shared by
 * every clone and worktree on the machine, and clones on different commits would otherwise
 * overwrite each other's plugin, one of them maybe while a node is reading it at start-up. A node
 * reports its home (`path.home`), so `up` can tell that a running node predates the sources and
 * restart it (see `elasticsearch.outdated`).
 */
export function shopAnalysisHome(src: PluginSource): string {
  return `${src.esHome}-shop-${digestOf(src).slice(0, 12)}`;
}

function digestOf({ esVersion, sourceDir }: PluginSource): string {
  const hash = createHash('sha256').update(esVersion);
  for (const f of pluginFiles(sourceDir))
    hash.update(path.relative(sourceDir, f)).update(readFileSync(f));
  return hash.digest('hex');
}

function pluginFiles(sourceDir: string): string[] {
  return [
    ...listJava(path.join(sourceDir, 'src')),
    path.join(sourceDir, 'stable-plugin-descriptor.properties.in'),
    path.join(sourceDir, 'named_components.json'),
  ];
}

/**
 * Builds `packages/stack/es-analysis` (a stable-API analysis plugin: light English stemming,
 * edge n-grams, ASCII folding, search-time synonyms) and lays out the home `shopAnalysisHome`
 * names; returns that home.
 *
 * Why a plugin of our own: the integ-test zip carries core modules only, and no registry these
 * machines reach serves `analysis-common` or `mapper-extras` for a 9.x server (Maven Central has
 * third-party copies up to 7.10.2 only). The server's own `lib/` already holds Lucene's
 * analysis-common jar and the stable plugin API, so a few factories compiled against them
 * with the JDK that runs Elasticsearch bring the filters back without downloading anything.
 *
 * Idempotent and fast: an existing home for the same hash returns at once. The home is built in
 * a sibling folder and renamed into place, so a node never sees half a plugin; two processes
 * racing build the same thing and the second rename loses harmlessly.
 */
export async function installShopAnalysisPlugin(
  opts: PluginSource & { readonly javaHome: string },
): Promise<string> {
  const { esHome, esVersion, javaHome, sourceDir } = opts;
  const home = shopAnalysisHome(opts);
  const marker = path.join(home, '.complete');
  if (existsSync(marker)) return home;

  const lib = path.join(esHome, 'lib');
  const jar = (prefix: string): string => {
    const name = readdirSync(lib).find((f) => f.startsWith(prefix) && f.endsWith('.jar'));
    if (name === undefined) throw new StackError(`Elasticsearch lib/ has no ${prefix}*.jar`);
    return path.join(lib, name);
  };
  const classpath = [
    jar('elasticsearch-plugin-api-'),
    jar('elasticsearch-plugin-analysis-api-'),
    jar('lucene-analysis-common-'),
    jar('lucene-core-'),
  ].join(path.delimiter);

  const work = path.join(path.dirname(esHome), `.${SHOP_ANALYSIS_PLUGIN}-build-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  const classes = path.join(work, 'classes');
  const bundle = path.join(work, SHOP_ANALYSIS_PLUGIN);
  const staged = path.join(work, 'home');
  mkdirSync(classes, { recursive: true });
  mkdirSync(bundle, { recursive: true });
  try {
    const bin = path.join(javaHome, 'bin');
    const sources = listJava(path.join(sourceDir, 'src'));
    await run(
      path.join(bin, 'javac'),
      ['--release', '21', '-d', classes, '-cp', classpath, ...sources],
      { what: 'javac shop-analysis plugin' },
    );
    await run(
      path.join(bin, 'jar'),
      ['--create', '--file', path.join(bundle, `${SHOP_ANALYSIS_PLUGIN}.jar`), '-C', classes, '.'],
      { what: 'jar shop-analysis plugin' },
    );
    cpSync(
      path.join(sourceDir, 'named_components.json'),
      path.join(bundle, 'named_components.json'),
    );
    writeFileSync(
      path.join(bundle, 'stable-plugin-descriptor.properties'),
      readFileSync(
        path.join(sourceDir, 'stable-plugin-descriptor.properties.in'),
        'utf8',
      ).replaceAll('@ES_VERSION@', esVersion),
    );
    await run('cp', ['-al', esHome, staged], { what: 'hard-link the Elasticsearch home' });
    // The pristine home may hold a plugin an older checkout installed there: only ours goes in.
    const plugins = path.join(staged, 'plugins');
    rmSync(plugins, { recursive: true, force: true });
    mkdirSync(plugins);
    renameSync(bundle, path.join(plugins, SHOP_ANALYSIS_PLUGIN));
    rmSync(path.join(staged, '.complete'), { force: true });
    writeFileSync(path.join(staged, '.complete'), new Date().toISOString());
    try {
      renameSync(staged, home);
    } catch (err) {
      if (!existsSync(marker)) throw err;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return home;
}

function listJava(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.java'))
    .sort()
    .map((f) => path.join(dir, f));
}
