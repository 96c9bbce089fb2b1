/**
 * At most `limit` checks at once. The runner admits checks in their stable order and waits here
 * for a free slot, or for every running check to end (before a check that must run alone, or
 * before a budget decision that depends on what the running ones spend).
 */
export class Pool {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.running.size;
  }

  /** Starts `task` (which must not reject) in a slot. */
  start(task: () => Promise<void>): void {
    const p: Promise<void> = task().finally(() => this.running.delete(p));
    this.running.add(p);
  }

  /** Resolves once fewer than `limit` tasks run. */
  async slot(): Promise<void> {
    while (this.running.size >= this.limit) await Promise.race(this.running);
  }

  /** Resolves once no task runs. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.race(this.running);
  }
}
