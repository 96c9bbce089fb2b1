import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A request body of tens of MiB costs ~4 times its size while it is read and parsed (the chunks,
 * the joined buffer, the text, the parsed strings), and V8 lets such garbage pile up to a few
 * hundred MiB before it collects it. After a large body the node asks for a collection, at most
 * one at a time, so a flood of large bodies stays within a bounded resident size.
 */

/** Bodies from this size on ask for a collection once they have been parsed. */
export const LARGE_BODY_BYTES = 8 * 1024 * 1024;

/** Below this much heap in use a collection is not worth its pause (tens of ms): V8's own timing will do. */
export const HEAP_WORTH_COLLECTING = 160 * 1024 * 1024;

let collect: (() => void) | undefined;
let pending = false;

function collector(): () => void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  return collect;
}

/** Notes a body of `bytes` just parsed; after a large one the garbage is collected once the turn is over, if there is much. */
export function noteBodySize(bytes: number): void {
  if (bytes < LARGE_BODY_BYTES || pending) return;
  pending = true;
  setImmediate(() => {
    pending = false;
    if (getHeapStatistics().used_heap_size >= HEAP_WORTH_COLLECTING) collector()();
  });
}
