import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../src/limits/semaphore.ts';

/** Lets every promise callback that is ready run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('Semaphore', () => {
  it('admits up to its size at once; the others wait', async () => {
    const s = new Semaphore(2);
    const a = await s.acquire();
    const b = await s.acquire();
    let third = false;
    const c = s.acquire().then((release) => ((third = true), release));
    await settle();
    expect([s.running, s.waiting, third]).toEqual([2, 1, false]);
    a();
    expect((await c) && third).toBe(true);
    expect([s.running, s.waiting]).toEqual([2, 0]);
    b();
    (await c)();
    expect([s.running, s.waiting]).toEqual([0, 0]);
  });

  it('hands permits out first come, first served', async () => {
    const s = new Semaphore(1);
    const first = await s.acquire();
    const order: number[] = [];
    const waiters = [1, 2, 3, 4].map((n) =>
      s.acquire().then((release) => {
        order.push(n);
        release();
      }),
    );
    first();
    await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3, 4]);
    expect(s.running).toBe(0);
  });

  it('a second release of the same permit does nothing', async () => {
    const s = new Semaphore(1);
    const release = await s.acquire();
    const next = s.acquire();
    release();
    release();
    const second = await next;
    expect(s.running).toBe(1);
    // Had the double release freed a second permit, this would not wait.
    let admitted = false;
    void s.acquire().then(() => (admitted = true));
    await settle();
    expect(admitted).toBe(false);
    second();
    await settle();
    expect(admitted).toBe(true);
  });

  it('a waiter whose signal aborts leaves the queue, rejects with the reason and never runs; the rest keep their order', async () => {
    const s = new Semaphore(1);
    const holder = await s.acquire();
    const gone = new Error('client went away');
    const controller = new AbortController();
    const ran: string[] = [];
    const a = s.run(() => ran.push('a'));
    const b = s.run(() => ran.push('b'), controller.signal);
    const c = s.run(() => ran.push('c'));
    await settle();
    expect(s.waiting).toBe(3);
    controller.abort(gone);
    await expect(b).rejects.toBe(gone);
    expect(s.waiting).toBe(2);
    holder();
    await Promise.all([a, c]);
    expect(ran).toEqual(['a', 'c']);
    expect([s.running, s.waiting]).toEqual([0, 0]);
  });

  it('an already aborted signal is refused without taking a permit', async () => {
    const s = new Semaphore(1);
    const reason = new Error('gone');
    await expect(s.acquire(AbortSignal.abort(reason))).rejects.toBe(reason);
    expect([s.running, s.waiting]).toEqual([0, 0]);
  });

  it('an abort after the permit was granted changes nothing', async () => {
    const s = new Semaphore(1);
    const controller = new AbortController();
    const release = await s.acquire(controller.signal);
    controller.abort(new Error('late'));
    expect(s.running).toBe(1);
    release();
    expect(s.running).toBe(0);
  });

  it('run gives the permit back when the work throws', async () => {
    const s = new Semaphore(1);
    const boom = new Error('boom');
    await expect(
      s.run(async () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(s.running).toBe(0);
    expect(await s.run(() => 42)).toBe(42);
  });

  it('refuses a size that is not a positive integer', () => {
    for (const size of [0, -1, 1.5, Number.NaN]) expect(() => new Semaphore(size)).toThrow(RangeError);
  });
});
