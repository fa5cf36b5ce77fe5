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

/**
 * Builds and installs `packages/stack/es-analysis` (a stable-API analysis plugin: light English
 * stemming, edge n-grams, ASCII folding) into an Elasticsearch home.
 *
 * Why a plugin of our own: the integ-test zip carries core modules only, and no registry these
 * machines reach serves `analysis-common` or `mapper-extras` for a 9.x server (Maven Central has
 * third-party copies up to 7.10.2 only). The server's own `lib/` already holds Lucene's
 * analysis-common jar and the stable plugin API, so a few factories compiled against them
 * with the JDK that runs Elasticsearch bring the filters back without downloading anything.
 *
 * Idempotent and fast: a hash of the sources and the server version is stored beside the plugin;
 * an unchanged hash returns at once. The new plugin is built in a sibling folder and renamed into
 * place, so a node never sees half a plugin.
 */
export async function installShopAnalysisPlugin(opts: {
  readonly esHome: string;
  readonly esVersion: string;
  readonly javaHome: string;
  readonly sourceDir: string;
}): Promise<void> {
  const { esHome, esVersion, javaHome, sourceDir } = opts;
  const sources = listJava(path.join(sourceDir, 'src'));
  const descriptorIn = path.join(sourceDir, 'stable-plugin-descriptor.properties.in');
  const components = path.join(sourceDir, 'named_components.json');
  const hash = createHash('sha256').update(esVersion);
  for (const f of [...sources, descriptorIn, components]) hash.update(f).update(readFileSync(f));
  const digest = hash.digest('hex');

  const target = path.join(esHome, 'plugins', SHOP_ANALYSIS_PLUGIN);
  const stamp = path.join(target, '.source-hash');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) return;

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
  mkdirSync(classes, { recursive: true });
  mkdirSync(bundle, { recursive: true });
  try {
    const bin = path.join(javaHome, 'bin');
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
    cpSync(components, path.join(bundle, 'named_components.json'));
    writeFileSync(
      path.join(bundle, 'stable-plugin-descriptor.properties'),
      readFileSync(descriptorIn, 'utf8').replaceAll('@ES_VERSION@', esVersion),
    );
    writeFileSync(path.join(bundle, '.source-hash'), digest);
    mkdirSync(path.dirname(target), { recursive: true });
    rmSync(target, { recursive: true, force: true });
    renameSync(bundle, target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function listJava(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.java'))
    .sort()
    .map((f) => path.join(dir, f));
}
