#!/usr/bin/env node
// Runs the bundle in dist/ when it is fresh, else the TypeScript sources through tsx's loader.
import { bundleIsFresh } from './bundle.js';

if (bundleIsFresh()) {
  await import('../dist/cli.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
