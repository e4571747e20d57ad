// Node only: a path inside the project, found from this module's location whether it runs from
// the source tree or from a bundle (.gpu/*.mjs), both of which sit under the project root.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function projectPath(relative: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    dir = resolve(dir, '..');
  }
  return resolve(process.cwd(), relative);
}
