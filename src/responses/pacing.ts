import { Rng } from '../generate/random.ts';
import type { StreamSpec } from '../scenario/types.ts';

export type Pacing = Pick<StreamSpec, 'ttft_ms' | 'tokens_per_second'> & { jitter?: number };

/**
 * When each frame of a stream is due, in ms from the start: nothing before `ttft_ms`, then
 * `tokens_per_second` for the tokens each frame carries, each gap varied by ±`jitter` (seeded, so
 * the same request paces the same way). Frames without tokens (role, finish, usage) go out with
 * their neighbours.
 */
export function frameSchedule(frames: readonly { tokens: number }[], stream: Pacing, seed = 0): number[] {
  const msPerToken = stream.tokens_per_second > 0 ? 1000 / stream.tokens_per_second : 0;
  const jitter = stream.jitter ?? 0;
  const rng = jitter > 0 ? new Rng(seed) : undefined;
  let at = stream.ttft_ms;
  let seenTokens = false;
  return frames.map((frame) => {
    if (frame.tokens > 0) {
      // The first token arrives at TTFT; pacing applies from the second on.
      const tokens = seenTokens ? frame.tokens : frame.tokens - 1;
      const gap = tokens * msPerToken;
      at += rng ? gap * (1 + jitter * (2 * rng.next() - 1)) : gap;
      seenTokens = true;
    }
    return at;
  });
}
