import { performance } from 'node:perf_hooks';

/**
 * Long synchronous work (speech synthesis, MP3 encoding) run so that it does not hold the event
 * loop: the work is a generator whose every `yield` marks a point where it may pause, and the runner
 * lets the event loop in (other requests, paced streams' timers, the control plane) once a slice
 * has run for SLICE_MS. Where the pauses fall depends on the clock, but the work does not see them:
 * the result is the same bytes as running it in one go.
 */

/** Work cut into steps; each `yield` is a point where it may pause. Steps should take well under SLICE_MS. */
export type Steps<T> = Generator<void, T, void>;

/** How long the work holds the event loop at a time. */
export const SLICE_MS = 4;

/** Resolves once the event loop has gone round: I/O and timers that were due have run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs `steps` to the end in slices of about SLICE_MS, yielding to the event loop between them.
 * Once `signal` is aborted it stops at the next pause and rejects with the signal's reason.
 */
export async function runInSlices<T>(steps: Steps<T>, signal?: AbortSignal): Promise<T> {
  signal?.throwIfAborted();
  let sliceStart = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= SLICE_MS) {
      await yieldToEventLoop();
      signal?.throwIfAborted();
      sliceStart = performance.now();
    }
  }
}
