/**
 * Every request the node saw, newest last, bounded in entries and in bytes. Credentials are
 * redacted on the way out (or on the way in when too long to keep), so nothing secret can leak
 * through the control plane.
 */

import { KEPT_TEXT_LONGEST, KEPT_TEXT_MAX, keptText } from '../limits/client-strings.ts';

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
  /** The credential already redacted, when it was too long to keep whole. */
  redactedKey?: string;
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
  const { at, credential, redactedKey, ...rest } = record;
  const key = credential ? redactCredential(credential) : redactedKey;
  return { ...rest, time: new Date(at).toISOString(), ...(key ? { key } : {}) };
}

/** The request's model as the journal keeps it: a few hundred characters at most. */
export function noteModel(entry: JournalRecord, model: string): void {
  entry.model = keptText(model);
}

/** Entries kept at most. */
export const JOURNAL_ENTRIES = 1000;
/** Bytes kept at most (estimated): 1000 ordinary entries fit; with long paths, keys and models, fewer. */
export const JOURNAL_BYTES = 1024 * 1024;
/** What an entry costs besides its client strings: the object, its numbers and the scenario's names it points to. */
const ENTRY_OVERHEAD = 200;
/** Room for the model, which routes note after the entry is added (noteModel keeps at most this). */
const MODEL_ROOM = KEPT_TEXT_LONGEST;

/** Estimated bytes of an entry (two per character), the model counted at its largest. */
function entryBytes(r: JournalRecord): number {
  return ENTRY_OVERHEAD + 2 * (r.id.length + r.method.length + r.path.length + (r.credential?.length ?? 0) + (r.redactedKey?.length ?? 0) + MODEL_ROOM);
}

/** A ring buffer: adding is O(1) however full it is (the journal is on every request's path). */
export class Journal {
  private readonly slots: (JournalRecord | undefined)[];
  /** Each slot's estimated bytes. */
  private readonly costs: number[];
  private next = 0;
  private size = 0;
  private used = 0;

  constructor(
    private readonly limit = JOURNAL_ENTRIES,
    private readonly maxBytes = JOURNAL_BYTES,
  ) {
    this.slots = new Array<JournalRecord | undefined>(limit);
    this.costs = new Array<number>(limit).fill(0);
  }

  /** Estimated bytes held now (at most `maxBytes`). */
  get bytes(): number {
    return this.used;
  }

  /** Keeps `entry` (its path and credential cut to what is kept), dropping the oldest entries past either bound. */
  add(entry: JournalRecord): JournalRecord {
    entry.path = keptText(entry.path);
    if (entry.credential !== undefined && entry.credential.length > KEPT_TEXT_MAX) {
      entry.redactedKey = redactCredential(entry.credential);
      delete entry.credential;
    }
    const cost = entryBytes(entry);
    if (this.size === this.limit) this.dropOldest();
    while (this.size > 0 && this.used + cost > this.maxBytes) this.dropOldest();
    this.slots[this.next] = entry;
    this.costs[this.next] = cost;
    this.used += cost;
    this.next = (this.next + 1) % this.limit;
    this.size += 1;
    return entry;
  }

  private dropOldest(): void {
    const oldest = (this.next - this.size + this.limit) % this.limit;
    this.slots[oldest] = undefined;
    this.used -= this.costs[oldest]!;
    this.costs[oldest] = 0;
    this.size -= 1;
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
    this.costs.fill(0);
    this.next = 0;
    this.size = 0;
    this.used = 0;
  }
}
