import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { StackError } from '../errors.ts';

function majorOf(javaHome: string): number | undefined {
  try {
    const release = readFileSync(path.join(javaHome, 'release'), 'utf8');
    const m = /^JAVA_VERSION="(\d+)/m.exec(release);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** A JDK home of at least `minMajor`: the given one, $JAVA_HOME, or the newest under /usr/lib/jvm. */
export function findJavaHome(
  minMajor: number,
  explicit: string | undefined,
  purpose: string,
): string {
  if (explicit !== undefined && explicit !== '') {
    const major = majorOf(explicit);
    if (major === undefined || major < minMajor) {
      throw new StackError(`${explicit} is not a Java ${minMajor}+ home (needed ${purpose})`);
    }
    return explicit;
  }
  const candidates = [
    process.env.JAVA_HOME,
    ...(existsSync('/usr/lib/jvm')
      ? readdirSync('/usr/lib/jvm').map((d) => path.join('/usr/lib/jvm', d))
      : []),
  ]
    .filter(
      (d): d is string => d !== undefined && d !== '' && existsSync(path.join(d, 'bin', 'java')),
    )
    .map((home) => ({ home, major: majorOf(home) ?? 0 }))
    .filter((c) => c.major >= minMajor)
    .sort((a, b) => b.major - a.major);
  const best = candidates[0];
  if (best === undefined) {
    throw new StackError(
      `no Java ${minMajor}+ found (needed ${purpose}); install one under /usr/lib/jvm or set STACK_ES_JAVA_HOME`,
    );
  }
  return best.home;
}
