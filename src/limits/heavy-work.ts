import { Semaphore } from './semaphore.ts';

/**
 * The node's slots for work that holds a lot of memory while it runs: later requests wait their
 * turn, first come first served. One set per node, shared by every mount of the API (`/v1` and
 * the root), so the caps hold for the node as a whole.
 */
export interface HeavyWorkSlots {
  /** Speech syntheses: each holds up to ~18 MB of samples (two minutes of audio). */
  speech: Semaphore;
  /** Picture renderings: a 2048×2048 picture holds ~25 MB of pixels and scanlines. */
  pictures: Semaphore;
  /** Embeddings requests: 2048 inputs of 3072 dimensions hold ~130 MB of JSON text. */
  embeddings: Semaphore;
}

/** How many of each run at once; the numbers the README's Limits table states. */
export const HEAVY_WORK_AT_ONCE = { speech: 2, pictures: 2, embeddings: 2 } as const;

export function heavyWorkSlots(): HeavyWorkSlots {
  return {
    speech: new Semaphore(HEAVY_WORK_AT_ONCE.speech),
    pictures: new Semaphore(HEAVY_WORK_AT_ONCE.pictures),
    embeddings: new Semaphore(HEAVY_WORK_AT_ONCE.embeddings),
  };
}
