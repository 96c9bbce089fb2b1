import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A CommonJS module loaded on first use instead of at start-up. For the few large libraries
 * (tokenizer tables, PNG encoder) that `serve` does not need before it answers its first request:
 * loading them eagerly would cost a few hundred milliseconds of every start.
 */
export function lazyRequire<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(specifier) as T);
}
