/**
 * Every request the node saw, newest last, bounded. Credentials are redacted on the way in, so
 * nothing secret can leak through the control plane.
 */

export interface JournalEntry {
  id: string;
  time: string;
  method: string;
  path: string;
  model?: string;
  key?: string;
  rule?: string;
  fault?: string;
  status?: number;
  cost_msats?: number;
  /** The SDK's `x-stainless-retry-count`: 0 on the first attempt. */
  retry_count?: number;
  duration_ms?: number;
  outcome?: 'completed' | 'client_closed' | 'faulted';
}

export interface JournalFilter {
  path?: string;
  method?: string;
  model?: string;
  rule?: string;
  fault?: string;
  status?: number;
  since?: string;
  limit?: number;
}

/** `sk-abcd…wxyz` or `cashuB…(212 chars)`: enough to tell keys apart, never enough to spend one. */
export function redactCredential(value: string): string {
  if (value.startsWith('cashu')) return `${value.slice(0, 6)}…(${value.length} chars)`;
  // Short keys would be nearly whole with a head and a tail: show only the prefix and the length.
  if (value.length < 24) return `${value.slice(0, 3)}…(${value.length} chars)`;
  return `${value.slice(0, 7)}…${value.slice(-4)}`;
}

export class Journal {
  private entries: JournalEntry[] = [];

  constructor(private readonly limit = 1000) {}

  add(entry: JournalEntry): JournalEntry {
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    return entry;
  }

  list(filter: JournalFilter = {}): JournalEntry[] {
    const out = this.entries.filter(
      (e) =>
        (filter.path === undefined || e.path === filter.path) &&
        (filter.method === undefined || e.method === filter.method.toUpperCase()) &&
        (filter.model === undefined || e.model === filter.model) &&
        (filter.rule === undefined || e.rule === filter.rule) &&
        (filter.fault === undefined || e.fault === filter.fault) &&
        (filter.status === undefined || e.status === filter.status) &&
        (filter.since === undefined || e.time >= filter.since),
    );
    return filter.limit !== undefined ? out.slice(-filter.limit) : out;
  }

  clear(): void {
    this.entries = [];
  }
}
