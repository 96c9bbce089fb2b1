/**
 * A counting semaphore with a FIFO queue, for work that holds a lot of memory while it runs
 * (speech synthesis holds ~18 MB of samples for two minutes of audio, a 2048×2048 picture ~25 MB
 * of pixels): a flood of such requests waits its turn instead of all being in memory at once.
 * A waiter whose signal aborts (its client went away) leaves the queue at once and never runs.
 */

/** Gives the permit back; calling it again does nothing. */
export type Release = () => void;

interface Waiter {
  grant: (release: Release) => void;
}

export class Semaphore {
  readonly #waiting: Waiter[] = [];
  #running = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`Semaphore size must be a positive integer, got ${size}`);
  }

  /** Permits held now. */
  get running(): number {
    return this.#running;
  }

  /** Callers waiting for a permit. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Resolves with a Release once a permit is free: at once when one is, else in the order callers
   * asked. Rejects with the signal's reason (and gives up its place) if `signal` aborts first.
   */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#running < this.size) {
      this.#running++;
      return Promise.resolve(this.#releaser());
    }
    return new Promise<Release>((resolve, reject) => {
      const onAbort = () => {
        const at = this.#waiting.indexOf(waiter);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      this.#waiting.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Runs `work` holding a permit (waiting for one first), and gives the permit back however it ends. */
  async run<T>(work: () => Promise<T> | T, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await work();
    } finally {
      release();
    }
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The permit goes straight to the longest waiter, so nobody can overtake the queue.
      const next = this.#waiting.shift();
      if (next) next.grant(this.#releaser());
      else this.#running--;
    };
  }
}
