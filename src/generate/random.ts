/**
 * Seeded randomness. Every generated value in the mock derives from a 32-bit seed made by hashing
 * the scenario seed with the parts of the request that matter, so the same seed and request give
 * the same content on every machine.
 */

import type { Steps } from './cooperative.ts';

export type SeedPart = string | number | boolean | undefined | null;

export const SEED_START = 0x811c9dc5;

/** Characters hashPartSteps folds per step: ~1 ms. */
const HASH_STEP_CHARS = 1 << 20;

/** FNV-1a over the UTF-16 code units of s[from, to). */
function fold(h: number, s: string, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}

/** The separator after each part, so ("ab","c") != ("a","bc"). */
const endPart = (h: number): number => Math.imul(h ^ 0x1f, 0x01000193);

/** Folds one part into a running FNV-1a hash, with a separator so ("ab","c") != ("a","bc"). */
export function hashPart(h: number, part: SeedPart): number {
  const s = part === undefined || part === null ? '\u0000' : typeof part === 'string' ? part : String(part);
  return endPart(fold(h, s, 0, s.length));
}

/** hashPart as steps for runInSlices, a megabyte of characters at a time (a 30 MB image data URL in a chat message took ~0.1 s in one go). */
export function* hashPartSteps(h: number, part: SeedPart): Steps<number> {
  if (typeof part !== 'string' || part.length <= HASH_STEP_CHARS) return hashPart(h, part);
  for (let from = 0; from < part.length; from += HASH_STEP_CHARS) {
    h = fold(h, part, from, Math.min(part.length, from + HASH_STEP_CHARS));
    yield;
  }
  return endPart(h);
}

/** FNV-1a over the UTF-16 code units of each part. */
export function hashSeed(...parts: ReadonlyArray<SeedPart>): number {
  let h = SEED_START;
  for (const part of parts) h = hashPart(h, part);
  return h >>> 0;
}

/** Small fast PRNG (mulberry32). Not for cryptography; for reproducible content and fault decisions. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick on an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** An independent stream derived from this one and a label, so adding draws in one place does not shift another. */
  fork(label: string | number): Rng {
    return new Rng(hashSeed(this.state, label));
  }

  /** Standard normal via Box-Muller. */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
