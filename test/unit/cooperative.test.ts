import { describe, expect, it } from 'vitest';
import { SLICE_MS, type Steps, runInSlices, runToEnd, startInSlices } from '../../src/generate/cooperative.ts';
import { JsonChunks, arrayFieldJson } from '../../src/responses/json-text.ts';

/** `count` steps of about `ms` each; returns how many ran. */
function* busySteps(count: number, ms: number): Steps<number> {
  for (let i = 0; i < count; i++) {
    const until = performance.now() + ms;
    while (performance.now() < until);
    yield;
  }
  return count;
}

describe('runToEnd', () => {
  it('runs every step without pausing and gives the result', () => {
    expect(runToEnd(busySteps(5, 0))).toBe(5);
  });
});

describe('startInSlices', () => {
  it('finishes small work at once, with the result and no promise', () => {
    const started = startInSlices(busySteps(10, 0));
    expect(started).toEqual({ done: true, value: 10 });
  });

  it('hands back the rest of longer work, which lets the event loop in before it goes on', async () => {
    const started = startInSlices(busySteps(20, 1));
    expect(started.done).toBe(false);
    if (started.done) return;
    let ranBetween = false;
    setImmediate(() => (ranBetween = true));
    expect(await started.rest()).toBe(20);
    expect(ranBetween).toBe(true);
  });

  it('the rest stops at its next pause once the signal aborts', async () => {
    const started = startInSlices(busySteps(1000, 1));
    if (started.done) throw new Error('should not fit in one slice');
    const gone = new Error('gone');
    const controller = new AbortController();
    const rest = started.rest(controller.signal);
    controller.abort(gone);
    await expect(rest).rejects.toBe(gone);
  });

  it('throws what the first slice throws, where it is called', () => {
    function* failing(): Steps<number> {
      throw new Error('bad input');
    }
    expect(() => startInSlices(failing())).toThrow('bad input');
  });
});

describe('runInSlices', () => {
  it('lets timers run between slices of long work', async () => {
    const gaps: number[] = [];
    let last = performance.now();
    const timer = setInterval(() => {
      gaps.push(performance.now() - last);
      last = performance.now();
    }, 1);
    await runInSlices(busySteps(100, 1));
    clearInterval(timer);
    expect(gaps.length).toBeGreaterThan(5);
    // A slice is SLICE_MS of work plus at most one step. The median, not the maximum: on a shared
    // machine the process itself may be descheduled for tens of milliseconds now and then.
    const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)]!;
    expect(median).toBeLessThan(SLICE_MS * 3);
  });
});

describe('JsonChunks and arrayFieldJson', () => {
  it('write exactly JSON.stringify of an object whose array is written item by item', () => {
    const items = Array.from({ length: 3000 }, (_, i) => ({ object: 'embedding', index: i, embedding: [i / 7, -0, 1e-7, 'é🎉'] }));
    const head = { object: 'list' };
    const tail = { model: 'm', usage: { prompt_tokens: 3, total_tokens: 3 }, cost: { total: 0.5 }, skipped: undefined };
    const chunks = new JsonChunks();
    items.forEach((item, i) => chunks.push(i === 0 ? JSON.stringify(item) : `,${JSON.stringify(item)}`));
    const { open, close } = arrayFieldJson(head, 'data', tail);
    const body = runToEnd(chunks.join(open, close));
    expect(body.toString('utf8')).toBe(JSON.stringify({ ...head, data: items, ...tail }));
  });

  it('handle an empty array and an empty tail', () => {
    const { open, close } = arrayFieldJson({ a: 1 }, 'list', {});
    expect(runToEnd(new JsonChunks().join(open, close)).toString()).toBe(JSON.stringify({ a: 1, list: [] }));
  });
});
