import { describe, expect, it } from 'vitest';
import { RecentMap } from '../../src/limits/recent-map.ts';
import { mintToken } from '../../src/payment/cashu.ts';
import { FakeMint, RedemptionError } from '../../src/payment/mint.ts';

describe('RecentMap', () => {
  it('keeps at most its capacity, forgetting the least recently used first (a read counts as use)', () => {
    const m = new RecentMap<string, number>(3);
    m.set('a', 1);
    m.set('b', 2);
    m.set('c', 3);
    expect(m.get('a')).toBe(1); // a is now the most recent
    m.set('d', 4); // forgets b
    expect([...m.keys()]).toEqual(['c', 'a', 'd']);
    expect(m.has('b')).toBe(false);
    m.set('c', 30); // a set counts as use too
    m.set('e', 5); // forgets a
    expect([...m.keys()]).toEqual(['d', 'c', 'e']);
    expect(m.size).toBe(3);
    expect(m.delete('d')).toBe(true);
    expect(m.size).toBe(2);
  });
});

describe('FakeMint: what a refused payment leaves behind is bounded', () => {
  const MINT = 'http://mint.mock.local';
  const token = () => mintToken({ amount: 8, unit: 'sat', mint: MINT }); // one proof
  const spentAgain = (mint: FakeMint, t: string) => {
    try {
      mint.redeem(t);
      return false;
    } catch (err) {
      if (err instanceof RedemptionError && err.info.code === 'cashu_token_already_spent') return true;
      throw err;
    }
  };

  it('accepted tokens stay spent for good; refused ones only while among the most recent', () => {
    const mint = new FakeMint([MINT], MINT, 2);
    const accepted = Array.from({ length: 5 }, token);
    for (const t of accepted) mint.redeem(t);
    const refused = Array.from({ length: 3 }, token);
    for (const t of refused) mint.markRefused(mint.redeem(t).token);
    // Capacity 2: the oldest refused token is forgotten (spendable again), the two newest are caught.
    expect(refused.map((t) => spentAgain(mint, t))).toEqual([false, true, true]);
    // However many refusals came since, every accepted token is still a double spend.
    for (let i = 0; i < 10; i++) mint.markRefused(mint.redeem(token()).token);
    expect(accepted.every((t) => spentAgain(mint, t))).toBe(true);
  });
});
