/**
 * Secrets never leave the runner: API keys (`sk-…`), Cashu tokens (`cashuA…`, `cashuB…`) and
 * whatever follows `Bearer` are replaced in every string that goes into a report, a curl line or
 * the console. Cashu tokens are bearer money, so this is applied to everything, not just headers.
 * A node may echo them URL-encoded (`Bearer%20sk-…`, `key%3Dsk-…`) or glued to other text
 * (`_cashuB…`), so the patterns do not rely on word boundaries or plain spaces.
 */

export const REDACTED = '[REDACTED]';

/** What separates `Bearer` from its credential: whitespace, or its URL encodings (%20, +, %09). */
const BEARER_GAP = String.raw`(?:\s|%20|%09|\+)+`;

const PATTERNS: Array<[RegExp, string]> = [
  [new RegExp(String.raw`Bearer${BEARER_GAP}[^\s'",;&]+`, 'gi'), `Bearer ${REDACTED}`],
  // No boundary before "cashu": a token glued to other text (`_cashuB…`, `token=cashuA…`) is still money.
  [/cashu[A-Za-z][A-Za-z0-9_\-+/=%]{8,}/g, `cashu${REDACTED}`],
  // After a non-letter or a percent escape (`%3Dsk-…`), so words like "task-force" stay.
  [/(?:(?<![A-Za-z])|(?<=%[0-9A-Fa-f]{2}))sk-[A-Za-z0-9_-]+/g, `sk-${REDACTED}`],
];

/** The forms a secret takes in text: as is, percent-encoded, and form-encoded. */
function spellings(secret: string): string[] {
  const encoded = encodeURIComponent(secret);
  return [...new Set([secret, encoded, encoded.replace(/%20/g, '+')])];
}

/** Redacts known secret shapes, plus the exact secrets given (e.g. the --key value, whatever its shape). */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    for (const form of spellings(secret)) out = out.split(form).join(REDACTED);
  }
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** Redacts every string inside a JSON-like value (objects, arrays), returning a copy. */
export function redactDeep<T>(value: T, secrets: readonly string[] = []): T {
  if (typeof value === 'string') return redact(value, secrets) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, secrets)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, secrets);
    return out as T;
  }
  return value;
}
