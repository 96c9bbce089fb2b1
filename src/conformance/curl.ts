/** A curl command line that reproduces a request the runner sent, with secrets redacted. */
import { redact } from './redact.ts';

export interface CurlRequest {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  /** A text body; other bodies (multipart) are shown as a placeholder. */
  body?: string | Uint8Array | FormData;
}

const MAX_BODY = 2000;

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function curlLine(req: CurlRequest, secrets: readonly string[] = []): string {
  const method = req.method ?? (req.body !== undefined ? 'POST' : 'GET');
  const parts = ['curl', '-sS', '-i'];
  if (method !== 'GET' || req.body !== undefined) parts.push('-X', method);
  parts.push(quote(req.url));
  for (const [name, value] of Object.entries(req.headers ?? {})) parts.push('-H', quote(`${name}: ${value}`));
  if (typeof req.body === 'string') {
    const body = req.body.length > MAX_BODY ? `${req.body.slice(0, MAX_BODY)}…(truncated)` : req.body;
    parts.push('--data-raw', quote(body));
  } else if (req.body !== undefined) {
    parts.push('--data-binary', quote('<binary body>'));
  }
  return redact(parts.join(' '), secrets);
}
