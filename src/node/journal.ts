/**
 * Every request the node saw, newest last, bounded. Credentials are redacted on the way in, so
 * nothing secret can leak through the control plane.
 */

/** What is recorded about a request, whoever reads it. */
interface RequestOutcome {
  id: string;
  method: string;
  path: string;
  model?: string;
  rule?: string;
  fault?: string;
  status?: number;
  cost_msats?: number;
  /** The SDK's `x-stainless-retry-count`: 0 on the first attempt. */
  retry_count?: number;
  duration_ms?: number;
  outcome?: 'completed' | 'client_closed' | 'faulted';
}

/** What the node keeps per request; formatting and redaction wait until someone reads the journal. */
export interface JournalRecord extends RequestOutcome {
  /** Epoch milliseconds. */
  at: number;
  credential?: string;
}

/** A journal entry as the control plane shows it: ISO time, credential redacted. */
export interface JournalEntry extends RequestOutcome {
  time: string;
  key?: string;
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

function present(record: JournalRecord): JournalEntry {
  const { at, credential, ...rest } = record;
  return { ...rest, time: new Date(at).toISOString(), ...(credential ? { key: redactCredential(credential) } : {}) };
}

/** A ring buffer: adding is O(1) however full it is (the journal is on every request's path). */
export class Journal {
  private readonly slots: (JournalRecord | undefined)[];
  private next = 0;
  private size = 0;

  constructor(private readonly limit = 1000) {
    this.slots = new Array<JournalRecord | undefined>(limit);
  }

  add(entry: JournalRecord): JournalRecord {
    this.slots[this.next] = entry;
    this.next = (this.next + 1) % this.limit;
    this.size = Math.min(this.size + 1, this.limit);
    return entry;
  }

  /** Oldest first, formatted for readers. */
  private all(): JournalEntry[] {
    const start = (this.next - this.size + this.limit) % this.limit;
    return Array.from({ length: this.size }, (_, i) => present(this.slots[(start + i) % this.limit]!));
  }

  list(filter: JournalFilter = {}): JournalEntry[] {
    const out = this.all().filter(
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
    this.slots.fill(undefined);
    this.next = 0;
    this.size = 0;
  }
}
