import { createHash } from 'node:crypto';

/**
 * What the node keeps of strings a client chose (a model name, a path, a credential, a session
 * id): a few hundred characters at most, whatever the client sent. Kept state (journal, coverage,
 * rule counters, the rate limiter) then costs the same for a 25 MiB model name as for a short one.
 * Pure.
 */

/** Characters kept of a client's string in the journal, coverage and error messages. */
export const KEPT_TEXT_MAX = 256;
/** The longest string `keptText` returns: the characters kept and `…(<length> characters)`. */
export const KEPT_TEXT_LONGEST = KEPT_TEXT_MAX + 32;

/** Identities (keys, sessions) up to this length are kept as they are; longer ones as a digest. */
const NAME_MAX = 64;

/**
 * `text` when it is at most `max` characters, else its first `max` characters and its length, as
 * a copy: V8's slices point into the string they were cut from, so a plain `slice` of a 25 MiB
 * string would keep all of it alive.
 */
export function keptText(text: string, max = KEPT_TEXT_MAX): string {
  if (text.length <= max) return text;
  return `${Buffer.from(text.slice(0, max), 'utf8').toString('utf8')}…(${text.length} characters)`;
}

/**
 * A bounded name for a client-chosen identity (a credential, a session id), for counters keyed by
 * it: the value itself when short (so short keys keep their names and seeded decisions), else a
 * SHA-256 digest with the length. Distinct values keep distinct names.
 */
export function boundedName(value: string): string {
  if (value.length <= NAME_MAX) return value;
  return `sha256:${createHash('sha256').update(value).digest('base64url')}:${value.length}`;
}
