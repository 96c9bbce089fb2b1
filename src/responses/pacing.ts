import type { StreamSpec } from '../scenario/types.ts';

/**
 * When each frame of a stream is due, in ms from the start: nothing before `ttft_ms`, then
 * `tokens_per_second` for the tokens each frame carries. Frames without tokens (role, finish,
 * usage) go out with their neighbours.
 */
export function frameSchedule(frames: readonly { tokens: number }[], stream: Pick<StreamSpec, 'ttft_ms' | 'tokens_per_second'>): number[] {
  const msPerToken = stream.tokens_per_second > 0 ? 1000 / stream.tokens_per_second : 0;
  let at = stream.ttft_ms;
  let seenTokens = false;
  return frames.map((frame) => {
    if (frame.tokens > 0) {
      // The first token arrives at TTFT; pacing applies from the second on.
      if (seenTokens) at += frame.tokens * msPerToken;
      else at += (frame.tokens - 1) * msPerToken;
      seenTokens = true;
    }
    return at;
  });
}
