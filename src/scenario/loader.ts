import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ErrorObject } from 'ajv/dist/2020.js';
import { LineCounter, parseDocument, isMap, isSeq, isPair, isScalar, type Document, type Node as YamlNode } from 'yaml';
import { PACKAGE_ROOT } from '../package-root.ts';
import { parseRegex } from './regex.ts';
import { FAULT_PARAMETERS, HEADER_NAME_PATTERN, HEADER_VALUE_PATTERN } from './schema.ts';
import { MAX_LEDGER_MSATS } from '../payment/limits.ts';
import validateScenario from './scenario-validator.generated.js';
import type { KeySpec, ModelSpec, NodeInfo, RuleSpec, Scenario, StreamSpec } from './types.ts';
import { parseYamlOffThread } from './yaml-worker.ts';
import { yieldToEventLoop } from '../generate/cooperative.ts';

export const SCENARIOS_DIR = join(PACKAGE_ROOT, 'scenarios');

/** A scenario as written: a file path, a shipped scenario's name, YAML/JSON text, or an object. */
export type ScenarioInput = string | Record<string, unknown>;

/** One problem in a scenario file, located as `file:line:col`. */
export interface ScenarioProblem {
  file: string;
  line: number;
  col: number;
  message: string;
}

export class ScenarioError extends Error {
  constructor(readonly problems: ScenarioProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ScenarioError';
  }
}

export function formatProblem(p: ScenarioProblem): string {
  return `${p.file}:${p.line}:${p.col} ${p.message}`;
}

interface ParsedSource {
  label: string;
  raw: Record<string, unknown>;
  /** Maps a JSON pointer (and optionally an offending key) to a position; absent for plain objects. */
  locate: (path: (string | number)[], key?: string) => { line: number; col: number };
}

/** YAML or JSON text, rather than a file path or a shipped scenario's name. */
function isInlineText(input: string): boolean {
  return /\n/.test(input) || /^\s*[{]/.test(input);
}

/** Resolves a name like `rate-limit` to `scenarios/rate-limit.yaml`, or reads a path. */
function readInput(input: ScenarioInput): ParsedSource {
  if (typeof input !== 'string') {
    return { label: '<object>', raw: { version: 1, ...input }, locate: () => ({ line: 1, col: 1 }) };
  }
  if (isInlineText(input)) return parseText(input, '<inline>');
  const candidates = [input, resolve(SCENARIOS_DIR, `${input}.yaml`), resolve(SCENARIOS_DIR, input)];
  const file = candidates.find((c) => existsSync(c) && !c.endsWith('/'));
  if (!file) {
    throw new ScenarioError([{ file: input, line: 1, col: 1, message: `no such scenario file or shipped scenario name "${input}"` }]);
  }
  return parseText(readFileSync(file, 'utf8'), file);
}

/** A YAML parser error's first line; the parser's own stack overflow said as what it means. */
function yamlMessage(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return /Maximum call stack size exceeded/.test(first) ? `nested too deep to parse (a scenario value may have at most ${MAX_SCENARIO_DEPTH} levels)` : first;
}

export function parseText(text: string, label: string): ParsedSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, col: pos.col };
  };
  if (doc.errors.length > 0) {
    throw new ScenarioError(doc.errors.map((e) => ({ file: label, ...at(e.pos[0]), message: yamlMessage(e.message) })));
  }
  return { label, raw: scenarioMapping(doc.toJS(), label), locate: (path, key) => locateInDocument(doc, path, key, at) };
}

function scenarioMapping(raw: unknown, label: string): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ScenarioError([{ file: label, line: 1, col: 1, message: 'a scenario must be a mapping with at least `version: 1`' }]);
  }
  return raw as Record<string, unknown>;
}

function locateInDocument(
  doc: Document,
  path: (string | number)[],
  key: string | undefined,
  at: (offset: number) => { line: number; col: number },
): { line: number; col: number } {
  let node: unknown = doc.contents;
  for (const step of path) {
    const next = childNode(node, step);
    if (!next) break;
    node = next;
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
    if (pair && isPair(pair) && isScalar(pair.key) && pair.key.range) return at(pair.key.range[0]);
  }
  const range = (node as YamlNode | null)?.range;
  return range ? at(range[0]) : { line: 1, col: 1 };
}

function childNode(node: unknown, step: string | number): unknown {
  if (isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step));
    return pair && isPair(pair) ? pair.value : undefined;
  }
  if (isSeq(node)) return node.items[Number(step)];
  return undefined;
}

function pointerToPath(pointer: string): string[] {
  return pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function describeSchemaError(e: ErrorObject): { message: string; key?: string } {
  const where = e.instancePath || '/';
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      return { key, message: `unknown key "${key}" in ${where}` };
    }
    case 'required':
      return { message: `${where} is missing required key "${(e.params as { missingProperty: string }).missingProperty}"` };
    case 'enum':
      return { message: `${where} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}` };
    case 'const':
      return { message: `${where} must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}` };
    case 'pattern': {
      const { pattern } = e.params as { pattern: string };
      // ajv names the offending header in `propertyName` (its `propertyNames` error says only "must be valid").
      if (pattern === HEADER_NAME_PATTERN) {
        const name = String((e as ErrorObject & { propertyName?: string }).propertyName);
        return { key: name, message: `${where} has an invalid header name ${JSON.stringify(name)}: letters, digits and !#$%&'*+.^_\`|~- only` };
      }
      if (pattern === HEADER_VALUE_PATTERN)
        return { message: `${where} must be Latin-1 text without control characters (no CR, LF or characters past U+00FF): an HTTP header value` };
      if (where.endsWith('/fingerprint'))
        return {
          message: `${where} must be parts like "messages=1a2b3c4d tools=- format=- params=9e8f7a6b" (8 hex digits or - each; parts: messages, input, tools, format, params)`,
        };
      return { message: `${where} ${e.message ?? 'is invalid'}` };
    }
    case 'propertyNames':
      return { message: '' };
    default:
      return { message: `${where} ${e.message ?? 'is invalid'}` };
  }
}

/** Schema errors, most specific first, without ajv's duplicate noise. */
function schemaProblems(source: ParsedSource): ScenarioProblem[] {
  // Compiled ahead of time from scenarioJsonSchema (`npm run gen:validator`): no ajv at run time.
  if (validateScenario(source.raw)) return [];
  const seen = new Set<string>();
  const problems: ScenarioProblem[] = [];
  for (const e of validateScenario.errors ?? []) {
    const { message, key } = describeSchemaError(e);
    // An empty message: the same mistake is reported by a more specific error.
    if (!message || seen.has(message)) continue;
    seen.add(message);
    problems.push({ file: source.label, ...source.locate(pointerToPath(e.instancePath), key), message });
  }
  return problems;
}

function duplicateProblems(source: ParsedSource, section: 'models' | 'keys', field: 'id' | 'key'): ScenarioProblem[] {
  const items = source.raw[section];
  if (!Array.isArray(items)) return [];
  const seen = new Set<string>();
  const problems: ScenarioProblem[] = [];
  items.forEach((item: Record<string, unknown>, i) => {
    const value = String(item[field]).toLowerCase();
    if (seen.has(value))
      problems.push({ file: source.label, ...source.locate([section, i, field]), message: `duplicate ${section.slice(0, -1)} ${field} "${item[field]}"` });
    seen.add(value);
  });
  return problems;
}

/** The keys' balances together, which the ledger must sum exactly (src/payment/limits.ts). */
function keysTotalProblems(source: ParsedSource): ScenarioProblem[] {
  const keys = source.raw.keys;
  if (!Array.isArray(keys)) return [];
  const total = keys.reduce((sum: number, k: { balance_msats?: unknown }) => sum + (typeof k.balance_msats === 'number' ? k.balance_msats : 0), 0);
  if (total <= MAX_LEDGER_MSATS) return [];
  return [
    { file: source.label, ...source.locate(['keys']), message: `the keys hold ${total} msats together; at most ${MAX_LEDGER_MSATS} fit the ledger exactly` },
  ];
}

/** Fault parameters that do not belong to the fault's type, and regexes RE2 cannot match (regex.ts). */
function ruleProblems(source: ParsedSource): ScenarioProblem[] {
  const rules = source.raw.rules;
  if (!Array.isArray(rules)) return [];
  const problems: ScenarioProblem[] = [];
  const at = (path: (string | number)[], message: string, key?: string) => problems.push({ file: source.label, ...source.locate(path, key), message });
  rules.forEach((rule: RuleSpec, i) => {
    const fault = rule.fault as Record<string, unknown> | undefined;
    if (fault) {
      const allowed = FAULT_PARAMETERS[String(fault.type)] ?? [];
      for (const key of Object.keys(fault)) {
        if (key !== 'type' && !allowed.includes(key))
          at(['rules', i, 'fault'], `fault type "${String(fault.type)}" takes no "${key}" (it takes: ${allowed.join(', ') || 'nothing'})`, key);
      }
    }
    if (fault) problems.push(...faultHeaderProblems(source, i, fault));
    if (fault && rule.reply) at(['rules', i], 'a rule has either a reply or a fault, not both', 'fault');
    const recorded = rule.reply?.recorded;
    if (recorded) {
      for (const key of Object.keys(rule.reply!)) {
        if (key !== 'recorded') at(['rules', i, 'reply'], `reply.recorded replays a recorded answer as it was: it takes no "${key}" beside it`, key);
      }
      if (recorded.events !== undefined && recorded.body !== undefined)
        at(['rules', i, 'reply', 'recorded'], 'a recorded reply has either a body or stream events, not both', 'events');
      if (recorded.disconnect !== undefined && recorded.events === undefined)
        at(['rules', i, 'reply', 'recorded'], '"disconnect" belongs to a recorded stream (events)', 'disconnect');
      problems.push(...framingHeaderProblems(source, ['rules', i, 'reply', 'recorded', 'headers'], recorded.headers));
    }
    const when = (rule.when ?? {}) as Record<string, unknown>;
    const texts: [(string | number)[], unknown][] = ['path', 'method', 'model', 'key', 'message', 'system'].map((k) => [['rules', i, 'when', k], when[k]]);
    for (const [name, value] of Object.entries((when.header as Record<string, unknown> | undefined) ?? {}))
      texts.push([['rules', i, 'when', 'header', name], value]);
    for (const [path, value] of texts) {
      if (typeof value !== 'string') continue;
      try {
        parseRegex(value);
      } catch (err) {
        at(path, `invalid regular expression ${value}: ${(err as Error).message}`);
      }
    }
  });
  return problems;
}

/** Headers the node frames the answer with itself: a scenario's own would break the response (a chunked body with a Content-Length, an answer after an Upgrade). */
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'trailer', 'te', 'proxy-connection']);

function framingHeaderProblems(source: ParsedSource, path: (string | number)[], headers: Record<string, string> | undefined): ScenarioProblem[] {
  return Object.keys(headers ?? {})
    .filter((name) => FRAMING_HEADERS.has(name.toLowerCase()))
    .map((name) => ({
      file: source.label,
      ...source.locate(path, name),
      message: `header "${name}" is set by the node itself (it frames the answer); leave it out`,
    }));
}

/** JSON content types: a fault's body (or its error object) is sent as JSON unless the fault gives text. */
const JSON_TYPE = /^\s*application\/(?:[\w.+-]*\+)?json\s*(?:;|$)/i;

/**
 * A fault's headers: no framing headers, and a content type the body can be sent as. A `status`
 * fault with a text body may say any type; every other body is an object, which fastify only
 * sends under a JSON type (anything else was a 500).
 */
function faultHeaderProblems(source: ParsedSource, i: number, fault: Record<string, unknown>): ScenarioProblem[] {
  const path = ['rules', i, 'fault', 'headers'];
  const headers = fault.headers as Record<string, string> | undefined;
  const problems = framingHeaderProblems(source, path, headers);
  const typeName = Object.keys(headers ?? {}).find((name) => name.toLowerCase() === 'content-type');
  const textBody = fault.type === 'status' && typeof fault.body === 'string';
  if (typeName !== undefined && !textBody && !JSON_TYPE.test(headers![typeName]!)) {
    const needs = fault.type === 'status' ? 'needs a text body ("body" a string)' : `cannot be sent with the ${String(fault.type)} error object, which is JSON`;
    problems.push({ file: source.label, ...source.locate(path, typeName), message: `content-type "${headers![typeName]}" ${needs}` });
  }
  return problems;
}

/** Levels of nesting a scenario value may have: replies and recordings go out through recursive JSON code, which a deeper value overflows (a 500). */
export const MAX_SCENARIO_DEPTH = 128;

/**
 * Values nested deeper than MAX_SCENARIO_DEPTH, and numbers that are not finite (YAML's `.inf` and
 * `.nan`, which JSON cannot carry). Walks with its own stack, so any depth is safe to check.
 */
function valueProblems(source: ParsedSource): ScenarioProblem[] {
  type Step = { value: unknown; key: string | number; parent: Step | undefined; depth: number };
  const pathOf = (step: Step) => {
    const path: (string | number)[] = [];
    for (let s: Step | undefined = step; s?.parent; s = s.parent) path.unshift(s.key);
    return path;
  };
  const problems: ScenarioProblem[] = [];
  const at = (step: Step, message: (path: (string | number)[]) => string) => {
    const path = pathOf(step);
    problems.push({ file: source.label, ...source.locate(path), message: message(path) });
  };
  const stack: Step[] = [{ value: source.raw, key: '', parent: undefined, depth: 0 }];
  while (stack.length > 0) {
    const step = stack.pop()!;
    const { value } = step;
    if (typeof value === 'number' && !Number.isFinite(value)) {
      at(step, (path) => `/${path.join('/')} must be a finite number, not ${value}`);
    } else if (value !== null && typeof value === 'object') {
      if (step.depth >= MAX_SCENARIO_DEPTH) {
        // One problem per over-deep value: its insides are not walked.
        at(step, (path) => `/${path.slice(0, 6).join('/')}/… is nested more than ${MAX_SCENARIO_DEPTH} levels deep`);
        continue;
      }
      const depth = step.depth + 1;
      if (Array.isArray(value)) for (let k = value.length - 1; k >= 0; k--) stack.push({ value: value[k], key: k, parent: step, depth });
      else for (const key of Object.keys(value).reverse()) stack.push({ value: (value as Record<string, unknown>)[key], key, parent: step, depth });
    }
  }
  return problems;
}

/** The raw input as checked: schema first, then the rules a schema cannot say. */
function checkedSource(input: ScenarioInput): ParsedSource {
  return checkSource(readInput(input));
}

function checkSource(source: ParsedSource): ParsedSource {
  // Values first: the schema validator and everything after it may recurse into a value.
  const values = valueProblems(source);
  if (values.length > 0) throw new ScenarioError(values);
  const problems = schemaProblems(source);
  if (problems.length === 0) {
    problems.push(...duplicateProblems(source, 'models', 'id'), ...duplicateProblems(source, 'keys', 'key'), ...ruleProblems(source));
    problems.push(...keysTotalProblems(source));
  }
  if (problems.length > 0) throw new ScenarioError(problems);
  return source;
}

/** Problems in a scenario, or an empty list: what `scenario lint` prints. */
export function lintScenario(input: ScenarioInput): ScenarioProblem[] {
  try {
    checkedSource(input);
    return [];
  } catch (err) {
    if (err instanceof ScenarioError) return err.problems;
    throw err;
  }
}

let defaultRaw: Record<string, unknown> | undefined;
function defaultScenarioRaw(): Record<string, unknown> {
  defaultRaw ??= checkedSource(resolve(SCENARIOS_DIR, 'default.yaml')).raw;
  return defaultRaw;
}

/**
 * Loads, validates and completes a scenario. A scenario that fails validation throws a
 * ScenarioError naming file, line and column; nothing is half-applied.
 */
export function loadScenario(input: ScenarioInput = 'default', overrides: { seed?: number } = {}): Scenario {
  return completeScenario(checkedSource(input), overrides);
}

/**
 * loadScenario, with YAML or JSON text parsed on a worker thread (see yaml-worker.ts) so that a
 * big scenario does not hold the event loop while it is parsed: the same Scenario, or the same
 * ScenarioError. Anything but inline text (a path, a name, an object) loads as loadScenario does.
 */
export async function loadScenarioInBackground(input: ScenarioInput = 'default', overrides: { seed?: number } = {}): Promise<Scenario> {
  if (typeof input !== 'string' || !isInlineText(input)) return loadScenario(input, overrides);
  const label = '<inline>';
  const parsed = await parseYamlOffThread(input);
  // Receiving a big value is a task of its own; checking it is the next.
  await yieldToEventLoop();
  if ('problems' in parsed) throw new ScenarioError(parsed.problems.map((p) => ({ file: label, ...p, message: yamlMessage(p.message) })));
  // Positions are only needed to report problems: then the text is parsed here once more.
  let located: ParsedSource['locate'] | undefined;
  const locate: ParsedSource['locate'] = (path, key) => (located ??= parseText(input, label).locate)(path, key);
  return completeScenario(checkSource({ label, raw: scenarioMapping(parsed.value, label), locate }), overrides);
}

function completeScenario(source: ParsedSource, overrides: { seed?: number }): Scenario {
  const raw = source.raw;
  const base = raw.extends === 'none' ? {} : defaultScenarioRaw();
  const section = <T>(name: string): T | undefined => (raw[name] ?? base[name]) as T | undefined;
  const seed = overrides.seed ?? (raw.seed as number | undefined) ?? (base.seed as number | undefined) ?? 0;
  return {
    version: 1,
    name: (raw.name as string | undefined) ?? (source.label === '<object>' ? 'inline' : source.label),
    description: (raw.description as string | undefined) ?? '',
    seed,
    node: completeNode(section<Partial<NodeInfo>>('node') ?? {}),
    btc_usd: section<number>('btc_usd') ?? 100000,
    models: (section<Partial<ModelSpec>[]>('models') ?? []).map(completeModel),
    keys: (section<KeySpec[]>('keys') ?? []).map((k) => ({ ...k })),
    stream: completeStream(section<Partial<StreamSpec>>('stream') ?? {}),
    rules: (raw.rules as Scenario['rules'] | undefined) ?? [],
    ...(raw.limits ? { limits: raw.limits as Scenario['limits'] } : {}),
    source: source.label,
  };
}

function completeNode(node: Partial<NodeInfo>): NodeInfo {
  return {
    name: node.name ?? 'Mock Routstr Node',
    description: node.description ?? 'A local mock of a Routstr node (routstr-mock)',
    version: node.version ?? '0.4.5',
    npub: node.npub ?? '',
    mints: node.mints ?? ['http://mint.mock.local'],
    http_url: node.http_url ?? '',
    onion_url: node.onion_url ?? '',
    child_key_cost_msats: node.child_key_cost_msats ?? 0,
  };
}

const CREATED_2024 = 1704067200;

function completeModel(m: Partial<ModelSpec>): ModelSpec {
  const id = m.id as string;
  const kind = m.kind ?? 'chat';
  const contextLength = m.context_length ?? 128000;
  return {
    id,
    name: m.name ?? id,
    description: m.description ?? `${id} served by routstr-mock`,
    kind,
    created: m.created ?? CREATED_2024,
    owned_by: m.owned_by ?? (id.includes('/') ? id.split('/')[0]! : 'openai'),
    sats_per_million_tokens: m.sats_per_million_tokens ?? { prompt: 0, completion: 0 },
    context_length: contextLength,
    max_completion_tokens: m.max_completion_tokens ?? Math.min(16384, contextLength),
    ...(m.dimensions !== undefined || kind === 'embedding' ? { dimensions: m.dimensions ?? 1536 } : {}),
    ...(m.tokenizer ? { tokenizer: m.tokenizer } : {}),
    aliases: m.aliases ?? [],
  };
}

function completeStream(s: Partial<StreamSpec>): StreamSpec {
  return {
    ttft_ms: s.ttft_ms ?? 0,
    tokens_per_second: s.tokens_per_second ?? 0,
    chunk_tokens: s.chunk_tokens ?? 1,
    usage_chunk: s.usage_chunk ?? 'always',
    jitter: s.jitter ?? 0,
    client_timeout_ms: s.client_timeout_ms ?? 60_000,
  };
}
