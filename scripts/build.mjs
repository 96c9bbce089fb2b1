// Bundles the CLI into dist/ so `routstr-mock` starts without tsx and without resolving hundreds
// of modules: `npm ci` runs it (prepare). bin/routstr-mock.js runs the bundle only while it is newer
// than every file in src/, and src/ through tsx otherwise, so an edit never runs stale code.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}dist`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli.ts'],
  outdir: 'dist',
  bundle: true,
  // The runner and the recorder are imported dynamically by the commands that use them: own chunks.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Bundled CommonJS dependencies call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
