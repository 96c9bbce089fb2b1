/**
 * Secrets never leave the runner: API keys (`sk-…`), Cashu tokens (`cashuA…`, `cashuB…`) and
 * whatever follows `Bearer` are replaced in every string that goes into a report, a curl line or
 * the console. Cashu tokens are bearer money, so this is applied to everything, not just headers.
 */

export const REDACTED = '[REDACTED]';

const PATTERNS: Array<[RegExp, string]> = [
  [/\bBearer\s+[^\s'",;]+/gi, `Bearer ${REDACTED}`],
  [/\bcashu[A-Za-z][A-Za-z0-9_\-+/=]{8,}/g, `cashu${REDACTED}`],
  [/\bsk-[A-Za-z0-9_-]+/g, `sk-${REDACTED}`],
];

/** Redacts known secret shapes, plus the exact secrets given (e.g. the --key value, whatever its shape). */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join(REDACTED);
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
