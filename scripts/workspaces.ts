import { existsSync, globSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '..');

export interface Workspace {
  readonly dir: string;
  readonly name: string;
  readonly scripts: Readonly<Record<string, string>>;
}

/** The npm workspaces declared in the root package.json, in declaration order. */
export function workspaces(): Workspace[] {
  const root = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    workspaces: string[];
  };
  return root.workspaces
    .flatMap((pattern) => globSync(pattern, { cwd: repoRoot }).sort())
    .filter((dir) => existsSync(path.join(repoRoot, dir, 'package.json')))
    .map((dir) => {
      const pkg = JSON.parse(readFileSync(path.join(repoRoot, dir, 'package.json'), 'utf8')) as {
        name: string;
        scripts?: Record<string, string>;
      };
      return { dir: path.join(repoRoot, dir), name: pkg.name, scripts: pkg.scripts ?? {} };
    });
}
