import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Document, YAMLMap, YAMLSeq, isMap, isScalar, isSeq, parseDocument, visit, type Node as YamlNode } from 'yaml';
import type { RuleSpec } from '../scenario/types.ts';
import { sameRequest } from './recording.ts';

/**
 * Appends recorded rules to a scenario file, keeping it an ordinary, readable scenario: the YAML
 * Document API keeps what is already there (hand edits and comments included), each new rule gets
 * a comment line naming its request, stream events and number lists are written one per line.
 * The file is rewritten whole after every rule (to a temporary file, then renamed), so it is
 * complete whenever the recorder stops.
 *
 * A request recorded again (same endpoint, model, streaming and fingerprint) becomes a sequence:
 * the earlier recording gets `times: 1`, so a replay answers the first time as first recorded, the
 * second time as second recorded, and so on; the last recording answers from then on.
 */

export interface WriterOptions {
  /** Drop the recorded rules already in the file (everything else stays). */
  reRecord?: boolean;
  /** Written at the top of a new file, e.g. where it was recorded from. */
  headerComment?: string;
  /** A new file's scenario name. */
  name?: string;
}

/** A pair's key: a Scalar in parsed documents, a plain value in created ones. */
function keyOf(key: unknown): unknown {
  return isScalar(key) ? key.value : key;
}

function isRecordedRule(node: unknown): boolean {
  return isMap(node) && node.hasIn(['reply', 'recorded']);
}

/** Flow style where block style would be one line per tiny item: stream events, headers, number lists. */
function compact(node: YamlNode): void {
  visit(node, {
    Seq(_, seq) {
      if (seq.items.length > 0 && seq.items.every((i) => isScalar(i) && typeof i.value === 'number')) seq.flow = true;
    },
    Pair(_, pair) {
      const key = keyOf(pair.key);
      if (key === 'headers' && isMap(pair.value)) pair.value.flow = true;
      if (key === 'events' && isSeq(pair.value)) for (const e of pair.value.items) if (isMap(e)) e.flow = true;
    },
  });
}

export class ScenarioWriter {
  private readonly doc: Document;
  private readonly rules: YAMLSeq;
  /** Rules this writer added. */
  appended = 0;

  constructor(
    readonly file: string,
    options: WriterOptions = {},
  ) {
    if (existsSync(file)) {
      const doc = parseDocument(readFileSync(file, 'utf8'));
      if (doc.errors.length > 0) throw new Error(`${file} is not valid YAML (${doc.errors[0]!.message.split('\n')[0]}); not appending to it`);
      if (doc.contents === null) doc.contents = doc.createNode({ version: 1 }) as unknown as typeof doc.contents;
      if (!isMap(doc.contents)) throw new Error(`${file} is not a scenario (a mapping with version: 1); not appending to it`);
      this.doc = doc;
    } else {
      this.doc = new Document({ version: 1, name: options.name ?? 'recorded' });
      if (options.headerComment) this.doc.commentBefore = options.headerComment;
    }
    const contents = this.doc.contents as YAMLMap;
    const existing: unknown = contents.get('rules', true);
    if (isSeq(existing)) this.rules = existing;
    else {
      this.rules = new YAMLSeq();
      contents.set('rules', this.rules);
    }
    // `rules: []` as the default scenario writes it would stay a flow list: rules read better as blocks.
    this.rules.flow = false;
    if (options.reRecord) this.rules.items = this.rules.items.filter((item) => !isRecordedRule(item));
  }

  /** True when the file had no rules section or sections beyond version/name, i.e. it is new to recording. */
  get isNew(): boolean {
    const contents = this.doc.contents as YAMLMap;
    return !contents.has('models') && this.rules.items.length === 0;
  }

  /** Sets a top-level section (e.g. the upstream's `models`) before the rules. */
  setSection(key: string, value: unknown, comment?: string): void {
    const contents = this.doc.contents as YAMLMap;
    const node = this.doc.createNode(value) as YamlNode;
    if (isSeq(node)) for (const item of node.items) if (isMap(item)) (item as YAMLMap).flow = true;
    if (comment) node.commentBefore = comment;
    const rulesIndex = contents.items.findIndex((p) => keyOf(p.key) === 'rules');
    contents.set(key, node);
    // Keep `rules` last: move the new pair before it.
    const index = contents.items.findIndex((p) => keyOf(p.key) === key);
    if (rulesIndex >= 0 && index > rulesIndex) {
      const [pair] = contents.items.splice(index, 1);
      contents.items.splice(rulesIndex, 0, pair!);
    }
  }

  /** Rules in the file. */
  get ruleCount(): number {
    return this.rules.items.length;
  }

  /** Appends a recorded rule with a comment line above it, then writes the file. */
  append(rule: RuleSpec, comment: string): void {
    // An earlier recording of the same request answers once, then gives way to this one.
    for (let i = this.rules.items.length - 1; i >= 0; i--) {
      const item = this.rules.items[i];
      if (!isRecordedRule(item)) continue;
      const when = (item as YAMLMap).toJSON().when as RuleSpec['when'];
      if (!sameRequest(when, rule.when)) continue;
      const map = item as YAMLMap;
      if (!map.has('times')) {
        // Right after `when`, where a reader looks for what decides the match.
        map.set('times', 1);
        const at = map.items.findIndex((p) => keyOf(p.key) === 'when');
        if (at >= 0) map.items.splice(at + 1, 0, map.items.pop()!);
      }
      break;
    }
    const node = this.doc.createNode(rule) as YamlNode;
    compact(node);
    node.commentBefore = ` ${comment.replace(/\s*\n\s*/g, ' ')}`;
    this.rules.items.push(node);
    this.appended++;
    this.write();
  }

  toString(): string {
    return this.doc.toString({ lineWidth: 0 });
  }

  write(): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, this.toString());
    renameSync(tmp, this.file);
  }
}
