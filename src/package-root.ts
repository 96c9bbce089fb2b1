import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's own directory (where package.json and scenarios/ are), found by walking up from
 * this module: it runs from src/ under tsx and from dist/ once bundled, at different depths.
 */
function findPackage(): { root: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    const pkg = existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version: string }) : undefined;
    if (pkg?.name === 'routstr-mock') return { root: dir, version: pkg.version };
    const parent = dirname(dir);
    if (parent === dir) throw new Error('routstr-mock: package.json not found above the running module');
    dir = parent;
  }
}

const found = findPackage();
export const PACKAGE_ROOT = found.root;
export const PACKAGE_VERSION = found.version;
