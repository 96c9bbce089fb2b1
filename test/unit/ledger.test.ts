import { describe, expect, it } from 'vitest';
import { KeyInFlightError, Ledger, LedgerCeilingError } from '../../src/payment/ledger.ts';
import { MAX_ACCOUNT_MSATS, MAX_LEDGER_MSATS } from '../../src/payment/limits.ts';

const MINT = 'http://mint.mock.local';

function balanced(ledger: Ledger) {
  const t = ledger.totals();
  expect(t.initial + t.credited - t.charged - t.refunded).toBe(t.balances);
  return t;
}

describe('Ledger.settle on overrun', () => {
  it('charges at most the reservation plus the free balance; another request keeps its reservation', () => {
    const ledger = new Ledger([{ key: 'sk-a', balance_msats: 1000 }], MINT);
    const account = ledger.get('sk-a')!;
    const other = ledger.reserve(account, 600);
    const mine = ledger.reserve(account, 100);
    if (!other.ok || !mine.ok) throw new Error('reservations refused');
    // 300 free + 100 reserved: a 5000-msat cost is charged 400.
    expect(ledger.settle(mine.reservation, 5000)).toBe(400);
    expect(account).toMatchObject({ balance: 600, reserved: 600 });
    expect(ledger.available(account)).toBe(0);
    expect(ledger.settle(other.reservation, 601)).toBe(600);
    expect(account).toMatchObject({ balance: 0, reserved: 0 });
    balanced(ledger);
  });

  it('charges a cost within its reservation in full', () => {
    const ledger = new Ledger([{ key: 'sk-a', balance_msats: 1000 }], MINT);
    const account = ledger.get('sk-a')!;
    const held = ledger.reserve(account, 500);
    if (!held.ok) throw new Error('refused');
    expect(ledger.settle(held.reservation, 499)).toBe(499);
    expect(account).toMatchObject({ balance: 501, reserved: 0 });
  });
});

describe('Ledger ceilings', () => {
  it('room is what one account may still take in', () => {
    const ledger = new Ledger([{ key: 'sk-a', balance_msats: MAX_ACCOUNT_MSATS - 10 }], MINT);
    expect(ledger.room(ledger.get('sk-a'))).toBe(10);
    expect(ledger.room()).toBe(MAX_ACCOUNT_MSATS);
    expect(() => ledger.credit(ledger.get('sk-a')!, 11, 'topup', MINT)).toThrow(LedgerCeilingError);
    ledger.credit(ledger.get('sk-a')!, 10, 'topup', MINT);
    expect(ledger.room(ledger.get('sk-a'))).toBe(0);
  });

  it('the money a node ever takes in stays a safe integer: past it, room is 0', () => {
    const keys = Array.from({ length: 8191 }, (_, i) => ({ key: `sk-${i}`, balance_msats: MAX_ACCOUNT_MSATS }));
    const ledger = new Ledger(keys, MINT);
    const left = MAX_LEDGER_MSATS - 8191 * MAX_ACCOUNT_MSATS;
    expect(ledger.room()).toBe(Math.min(MAX_ACCOUNT_MSATS, left));
    expect(() => ledger.recordXCashu(left + 1, 0)).toThrow(LedgerCeilingError);
    ledger.recordXCashu(left, 0);
    expect(ledger.room()).toBe(0);
    const t = balanced(ledger);
    for (const v of Object.values(t)) expect(Number.isSafeInteger(v)).toBe(true);
  });

  it('a scenario whose keys pass the ceiling is refused', () => {
    expect(() => new Ledger([{ key: 'sk-a', balance_msats: MAX_ACCOUNT_MSATS + 1 }], MINT)).toThrow(LedgerCeilingError);
  });
});

describe('Ledger.addFunded', () => {
  it('does not replace a key while it holds a reservation, and does once it is settled', () => {
    const ledger = new Ledger([{ key: 'sk-a', balance_msats: 1000 }], MINT);
    const held = ledger.reserve(ledger.get('sk-a')!, 601);
    if (!held.ok) throw new Error('refused');
    expect(() => ledger.addFunded('sk-a', 5)).toThrow(KeyInFlightError);
    ledger.settle(held.reservation, 10);
    expect(ledger.addFunded('sk-a', 5)).toMatchObject({ balance: 5, reserved: 0 });
    const t = balanced(ledger);
    expect(t.reserved).toBe(0);
  });
});
