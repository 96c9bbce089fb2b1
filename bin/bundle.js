// Whether dist/ (built by `npm run build`, which `npm ci` runs) may be run instead of src/: it
// exists and is newer than every source file, so an edit never runs stale code.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function newestTime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestTime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export function bundleIsFresh() {
  try {
    return statSync(`${root}dist/cli.js`).mtimeMs >= Math.max(newestTime(`${root}src`), statSync(`${root}package.json`).mtimeMs);
  } catch {
    return false;
  }
}
