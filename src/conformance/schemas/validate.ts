/**
 * Validates response bodies against our own schemas, in two tiers, and names the known Routstr deviations.
 * A known deviation is reported (the runner turns it into a warning) and waived in both tiers, so it never
 * fails the strict tier by itself. Each schema is compiled once, on first use.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { chatCompletion, chatCompletionChunk } from './chat.ts';
import type { TieredSchema } from './common.ts';
import { textCompletion } from './completion.ts';
import { embeddingsBase64, embeddingsFloat } from './embeddings.ts';
import { errorEnvelope } from './errors.ts';
import { imagesResponse } from './images.ts';
import { modelsList } from './models.ts';
import { transcriptionJson, transcriptionVerboseJson } from './transcription.ts';

export const RESPONSE_SCHEMAS = {
  'chat.completion': chatCompletion,
  'chat.completion.chunk': chatCompletionChunk,
  text_completion: textCompletion,
  embeddings: embeddingsFloat,
  'embeddings.base64': embeddingsBase64,
  images: imagesResponse,
  'transcription.json': transcriptionJson,
  'transcription.verbose_json': transcriptionVerboseJson,
  models: modelsList,
  error: errorEnvelope,
} as const satisfies Record<string, TieredSchema>;

export type ResponseKind = keyof typeof RESPONSE_SCHEMAS;
export type Tier = 'strict' | 'lenient';

/** Deviations real Routstr nodes (or servers behind them) are known to show, by name. */
export const KNOWN_DEVIATIONS = {
  'metadata.routstr': 'metadata.routstr is an object; the spec allows only string metadata values',
  'chunk.created': 'the usage-only stream chunk has no created',
  'error.param': 'the error object has no param',
  'error.code.integer': 'error.code is an integer, not a string or null',
  'models.object': 'a model has no object: "model"',
  'models.owned_by': 'a model has no owned_by',
} as const;

export type DeviationName = keyof typeof KNOWN_DEVIATIONS;

export interface Deviation {
  name: DeviationName;
  /** The JSON pointer the deviation is at; errors at or below it are waived. */
  path: string;
}

export interface ValidationResult {
  valid: boolean;
  /** "instancePath message", e.g. "/choices/0/message must have required property 'refusal'". */
  errors: string[];
  /**
   * The errors that are not about a missing field: a value of the wrong type or outside its enum
   * breaks typed clients (Go, Rust, Java SDKs fail to decode it), while a missing field the spec
   * requires is usually filled with a zero value.
   */
  breaking: string[];
  /** Names of the known deviations found (each once). */
  deviations: DeviationName[];
}

export function validateResponse(kind: ResponseKind, tier: Tier, value: unknown): ValidationResult {
  const found = findDeviations(kind, value);
  const waived = found.map((deviation) => deviation.path);
  const validateFn = validatorFor(kind, tier);
  const ok = validateFn(waived.length > 0 ? withoutPaths(value, waived) : value);
  const failed = ok ? [] : (validateFn.errors ?? []).filter((error) => !isWaived(errorPath(error), waived));
  const errors = [...new Set(failed.map(formatError))];
  const breaking = [...new Set(failed.filter((error) => error.keyword !== 'required').map(formatError))];
  return { valid: errors.length === 0, errors, breaking, deviations: [...new Set(found.map((deviation) => deviation.name))] };
}

/** The known deviations in a body, with where they are. */
export function findDeviations(kind: ResponseKind, value: unknown): Deviation[] {
  if (!isObject(value)) return [];
  const found: Deviation[] = [];
  if (kind === 'chat.completion' || kind === 'chat.completion.chunk' || kind === 'text_completion') {
    if (isObject(value.metadata) && 'routstr' in value.metadata && typeof value.metadata.routstr !== 'string') {
      found.push({ name: 'metadata.routstr', path: '/metadata/routstr' });
    }
  }
  if (kind === 'chat.completion.chunk' && !('created' in value) && isUsageOnlyChunk(value)) {
    found.push({ name: 'chunk.created', path: '/created' });
  }
  if (kind === 'error' && isObject(value.error)) {
    if (!('param' in value.error)) found.push({ name: 'error.param', path: '/error/param' });
    if (Number.isInteger(value.error.code)) found.push({ name: 'error.code.integer', path: '/error/code' });
  }
  if (kind === 'models' && Array.isArray(value.data)) {
    value.data.forEach((model: unknown, index) => {
      if (!isObject(model)) return;
      if (!('object' in model)) found.push({ name: 'models.object', path: `/data/${index}/object` });
      if (!('owned_by' in model)) found.push({ name: 'models.owned_by', path: `/data/${index}/owned_by` });
    });
  }
  return found;
}

function isUsageOnlyChunk(chunk: Record<string, unknown>): boolean {
  return Array.isArray(chunk.choices) && chunk.choices.length === 0 && isObject(chunk.usage);
}

// ---------------------------------------------------------------------------------------------------------

let ajv: Ajv2020 | undefined;
const compiled = new Map<string, ValidateFunction>();

function validatorFor(kind: ResponseKind, tier: Tier): ValidateFunction {
  const key = `${kind}/${tier}`;
  let validateFn = compiled.get(key);
  if (!validateFn) {
    ajv ??= createAjv();
    validateFn = ajv.compile(RESPONSE_SCHEMAS[kind][tier]);
    compiled.set(key, validateFn);
  }
  return validateFn;
}

function createAjv(): Ajv2020 {
  const instance = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
  addFormats.default(instance, ['uri', 'date']);
  return instance;
}

/** A copy without the waived values: a bad value inside an `anyOf` also fails the `anyOf` above it. */
function withoutPaths(value: unknown, paths: string[]): unknown {
  const copy = structuredClone(value);
  for (const path of paths) {
    const segments = path.split('/').slice(1);
    const last = segments.pop();
    let parent: unknown = copy;
    for (const segment of segments) parent = isObject(parent) || Array.isArray(parent) ? (parent as Record<string, unknown>)[segment] : undefined;
    if (last !== undefined && isObject(parent)) delete parent[last];
  }
  return copy;
}

/** Where an error is; for a missing property, the property's own path. */
function errorPath(error: ErrorObject): string {
  if (error.keyword === 'required') return `${error.instancePath}/${(error.params as { missingProperty: string }).missingProperty}`;
  return error.instancePath;
}

function isWaived(path: string, waived: string[]): boolean {
  return waived.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

function formatError(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const detail =
    error.keyword === 'const' ? ` ${JSON.stringify(params.allowedValue)}` : error.keyword === 'enum' ? ` ${JSON.stringify(params.allowedValues)}` : '';
  return `${error.instancePath || '/'} ${error.message ?? error.keyword}${detail}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
