import type { Steps } from '../generate/cooperative.ts';

/** A number as JSON.stringify writes it, for JSON text written by hand. */
export const jsonNumber = (x: number): string => (Number.isFinite(x) ? String(x) : 'null');

/** Characters gathered before they are encoded into a Buffer of their own. */
const CHUNK_CHARS = 64 * 1024;
/** Bytes copied per step when the chunks are joined: ~1 ms. */
const JOIN_STEP_BYTES = 4 * 1024 * 1024;

/**
 * JSON text of a large answer (2048 embeddings of 3072 floats are ~110 MB) written piece by piece
 * into Buffers of ~64 kB, so it is never one giant string, and joined into the body in steps
 * (see runInSlices): `JSON.stringify` of such an answer held the event loop for over a second.
 */
export class JsonChunks {
  #chunks: Buffer[] = [];
  #pending = '';

  push(text: string): void {
    this.#pending += text;
    if (this.#pending.length >= CHUNK_CHARS) {
      this.#chunks.push(Buffer.from(this.#pending, 'utf8'));
      this.#pending = '';
    }
  }

  /** Everything pushed, with `open` before it and `close` after it, as one Buffer; the chunks are let go as they are copied. */
  *join(open = '', close = ''): Steps<Buffer> {
    const parts: (Buffer | undefined)[] = [Buffer.from(open, 'utf8'), ...this.#chunks, Buffer.from(this.#pending + close, 'utf8')];
    this.#chunks = [];
    this.#pending = '';
    let total = 0;
    for (const part of parts) total += part!.length;
    const body = Buffer.allocUnsafe(total);
    let at = 0;
    let copied = 0;
    for (let i = 0; i < parts.length; i++) {
      at += parts[i]!.copy(body, at);
      copied += parts[i]!.length;
      parts[i] = undefined;
      if (copied >= JOIN_STEP_BYTES) {
        copied = 0;
        yield;
      }
    }
    return body;
  }
}

/**
 * The JSON text around an array field whose items are written separately: `open` + the items
 * joined by commas + `close` is exactly `JSON.stringify({ ...head, [key]: items, ...tail })`.
 */
export function arrayFieldJson(head: Record<string, unknown>, key: string, tail: Record<string, unknown>): { open: string; close: string } {
  // `{...,"key":[]}` less its last two characters ends with `"key":[`.
  const open = JSON.stringify({ ...head, [key]: [] }).slice(0, -2);
  const rest = JSON.stringify(tail);
  return { open, close: rest === '{}' ? ']}' : `],${rest.slice(1)}` };
}
