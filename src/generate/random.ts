import { Faker, base, en } from '@faker-js/faker';

/**
 * Seeded randomness. Every generated value in the mock derives from a 32-bit seed made by hashing
 * the scenario seed with the parts of the request that matter, so the same seed and request give
 * the same content on every machine.
 */

/** FNV-1a over the UTF-16 code units of each part, with a separator so ("ab","c") != ("a","bc"). */
export function hashSeed(...parts: ReadonlyArray<string | number | boolean | undefined | null>): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const s = part === undefined || part === null ? '\u0000' : String(part);
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0x1f;
    h = Math.imul(h, 0x01000193);
  }
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

const sharedFaker = new Faker({ locale: [en, base] });

/**
 * The process-wide faker instance, reseeded. Generation is synchronous, so callers must use the
 * returned instance before they next await; never keep it across an await.
 */
export function seededFaker(seed: number): Faker {
  sharedFaker.seed(seed);
  return sharedFaker;
}
