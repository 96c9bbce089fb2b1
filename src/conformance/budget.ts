/**
 * The sats budget of a run (--max-sats), in msats. A paid check reserves its estimate before it
 * starts and settles with what it reports having spent, so checks running at the same time can
 * never together exceed the budget.
 */
export class Budget {
  private availableMsats: number;

  constructor(maxMsats: number) {
    this.availableMsats = maxMsats;
  }

  /** What is left for new reservations. */
  get available(): number {
    return this.availableMsats;
  }

  fits(estimateMsats: number): boolean {
    return estimateMsats <= this.availableMsats;
  }

  reserve(estimateMsats: number): void {
    this.availableMsats -= estimateMsats;
  }

  /** Replaces a reservation by the spend; an unknown spend counts as the estimate (as a sequential run did). */
  settle(estimateMsats: number, spentMsats: number | undefined): void {
    this.availableMsats += estimateMsats - (spentMsats ?? estimateMsats);
  }
}
