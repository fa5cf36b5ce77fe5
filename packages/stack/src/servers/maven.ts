import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StackError } from '../errors.ts';
import { requireTool, run } from '../run.ts';

const MVN_HINT = 'install Apache Maven (Debian: apt-get install maven)';

/** Copies an artifact's runtime classpath from Maven Central into `libDir` (through ~/.m2). */
export async function fetchClasspath(
  libDir: string,
  dependencies: readonly string[],
): Promise<void> {
  const mvn = requireTool('mvn', 'to fetch jars from Maven Central', MVN_HINT);
  const work = path.dirname(libDir);
  mkdirSync(work, { recursive: true });
  const deps = dependencies
    .map((gav) => {
      const [groupId, artifactId, version] = gav.split(':');
      return `<dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version></dependency>`;
    })
    .join('\n    ');
  const pom = path.join(work, 'pom.xml');
  writeFileSync(
    pom,
    `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>shop.stack</groupId><artifactId>runtime</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    ${deps}
  </dependencies>
</project>
`,
  );
  await run(
    mvn,
    [
      '-q',
      '-B',
      '-f',
      pom,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${libDir}`,
      '-DincludeScope=runtime',
    ],
    {
      what: 'mvn dependency:copy-dependencies',
    },
  );
}

/** Fetches one artifact file (e.g. a zip) from Maven Central into `dir`, returning its path. */
export async function fetchArtifact(
  dir: string,
  groupId: string,
  artifactId: string,
  version: string,
  type: string,
): Promise<string> {
  const mvn = requireTool('mvn', 'to fetch artifacts from Maven Central', MVN_HINT);
  mkdirSync(dir, { recursive: true });
  await run(
    mvn,
    [
      '-q',
      '-B',
      'dependency:copy',
      `-Dartifact=${groupId}:${artifactId}:${version}:${type}`,
      `-DoutputDirectory=${dir}`,
    ],
    {
      what: `mvn dependency:copy ${artifactId}:${version}`,
      cwd: dir,
    },
  );
  const file = path.join(dir, `${artifactId}-${version}.${type}`);
  if (!existsSync(file)) throw new StackError(`Maven did not produce ${file}`);
  return file;
}
