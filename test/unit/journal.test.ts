import { describe, expect, it } from 'vitest';
import { JOURNAL_BYTES, JOURNAL_ENTRIES, Journal, noteModel } from '../../src/node/journal.ts';
import { KEPT_TEXT_LONGEST } from '../../src/limits/client-strings.ts';

/** Issue 12: the journal is bounded by bytes as well as by entries, and keeps client strings short. */

const filler = new Map<number, string>();
const fill = (size: number) => filler.get(size) ?? (filler.set(size, 'c'.repeat(size)), filler.get(size)!);
const record = (i: number, size: number) => ({ id: `req-${i}`, at: 0, method: 'POST', path: `/v1/${fill(size)}`, credential: `sk-${fill(size)}` });
const HUGE_MODEL = `model-${'m'.repeat(1_000_000)}`;

describe('journal bounds', () => {
  it('ordinary requests: the last 1000 are kept', () => {
    const journal = new Journal();
    for (let i = 0; i < 1500; i++) journal.add(record(i, 10));
    expect(journal.list()).toHaveLength(JOURNAL_ENTRIES);
    expect(journal.list()[0]!.id).toBe('req-500');
    expect(journal.bytes).toBeLessThanOrEqual(JOURNAL_BYTES);
  });

  it('long paths, keys and models: fewer entries, never more than the byte cap; each string cut', () => {
    const journal = new Journal();
    for (let i = 0; i < 1500; i++) {
      const entry = journal.add(record(i, 100_000));
      noteModel(entry, HUGE_MODEL);
      expect(journal.bytes).toBeLessThanOrEqual(JOURNAL_BYTES);
    }
    const entries = journal.list();
    expect(entries.length).toBeGreaterThan(100);
    expect(entries.length).toBeLessThan(JOURNAL_ENTRIES);
    expect(entries[entries.length - 1]!.id).toBe('req-1499');
    for (const e of entries) {
      for (const value of Object.values(e)) if (typeof value === 'string') expect(value.length).toBeLessThanOrEqual(KEPT_TEXT_LONGEST);
      expect(e.key).toMatch(/^sk-cccc…cccc$/);
    }
  });

  it('a smaller byte cap given to the constructor holds, and clearing frees it', () => {
    const journal = new Journal(1000, 20_000);
    for (let i = 0; i < 200; i++) journal.add(record(i, 10));
    expect(journal.bytes).toBeLessThanOrEqual(20_000);
    expect(journal.list().length).toBeLessThan(200);
    journal.clear();
    expect(journal.bytes).toBe(0);
    expect(journal.list()).toEqual([]);
  });
});
