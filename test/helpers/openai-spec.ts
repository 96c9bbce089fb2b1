/**
 * Test helper: validates values against the component schemas of the official OpenAI OpenAPI spec.
 *
 * The spec lives outside the repository (`<repo root>/../shared/openai-spec/openapi.yaml`, or the path in
 * OPENAI_SPEC_PATH) and is only read at test time. Parsing its 3 MB of YAML is slow, so the prepared
 * component schemas are cached as JSON in the OS temp directory, keyed by the spec file's sha256.
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

export interface SpecValidator {
  /** Errors as "instancePath message" strings; empty when valid. `waive` lists instance paths (prefix match, e.g. '/metadata/routstr') whose errors are ignored. */
  validate(schemaName: string, value: unknown, options?: { waive?: string[] }): string[];
}

type JsonObject = Record<string, unknown>;

/** Bump when `prepareSchema` changes, so stale caches are not reused. */
const PREPARATION_VERSION = 2;
const SPEC_BASE_ID = 'https://routstr-mock.test/openai-spec';
const COMPONENT_REF_PREFIX = '#/components/schemas/';

let memoised: SpecValidator | undefined;

export function loadSpecValidator(): SpecValidator {
  memoised ??= createSpecValidator(loadPreparedComponentSchemas(specPath()));
  return memoised;
}

export function specPath(): string {
  const override = process.env.OPENAI_SPEC_PATH;
  if (override) return resolve(override);
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  return resolve(repoRoot, '..', 'shared', 'openai-spec', 'openapi.yaml');
}

// ---------------------------------------------------------------------------------------------------------
// Loading and caching

interface CacheFile {
  preparationVersion: number;
  specSha256: string;
  schemas: JsonObject;
}

function loadPreparedComponentSchemas(path: string): JsonObject {
  const specText = readSpecText(path);
  const specSha256 = createHash('sha256').update(specText).digest('hex');
  const cachePath = join(tmpdir(), `routstr-mock-openai-spec-v${PREPARATION_VERSION}-${specSha256}.json`);
  const cached = readCache(cachePath, specSha256);
  if (cached) return cached;
  const schemas = prepareComponentSchemas(specText);
  writeCache(cachePath, { preparationVersion: PREPARATION_VERSION, specSha256, schemas });
  return schemas;
}

function readSpecText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new Error(`OpenAI spec not found at ${path} (set OPENAI_SPEC_PATH to override)`, { cause });
  }
}

function readCache(cachePath: string, specSha256: string): JsonObject | undefined {
  try {
    const cache = JSON.parse(readFileSync(cachePath, 'utf8')) as Partial<CacheFile>;
    const fresh = cache.preparationVersion === PREPARATION_VERSION && cache.specSha256 === specSha256;
    return fresh && isObject(cache.schemas) ? cache.schemas : undefined;
  } catch {
    return undefined; // missing or corrupt: rebuild
  }
}

function writeCache(cachePath: string, cache: CacheFile): void {
  // Write-then-rename so parallel test workers never read a half-written file.
  const partialPath = `${cachePath}.${process.pid}.partial`;
  try {
    writeFileSync(partialPath, JSON.stringify(cache));
    renameSync(partialPath, cachePath);
  } catch {
    // A read-only temp dir only costs speed.
  }
}

function prepareComponentSchemas(specText: string): JsonObject {
  const spec: unknown = parseYaml(specText);
  const schemas = isObject(spec) && isObject(spec.components) ? spec.components.schemas : undefined;
  if (!isObject(schemas)) throw new Error('OpenAI spec has no components.schemas');
  return mapValues(schemas, prepareSchema);
}

// ---------------------------------------------------------------------------------------------------------
// Turning OpenAPI schemas into JSON Schema 2020-12 that ajv accepts

/** Keywords whose value is one subschema. */
const SUBSCHEMA_KEYWORDS = new Set([
  'items',
  'additionalProperties',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'propertyNames',
  'unevaluatedItems',
  'unevaluatedProperties',
  'additionalItems',
]);
/** Keywords whose value maps names to subschemas. */
const SUBSCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
/** Keywords whose value is a list of subschemas. */
const SUBSCHEMA_LIST_KEYWORDS = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems']);
/** Documentation-only keywords; dropping them shrinks the cache and keeps ajv from tripping over them. */
const ANNOTATION_KEYWORDS = new Set(['description', 'title', 'example', 'examples', 'default', 'deprecated', 'discriminator', 'optional']);

/**
 * Strips annotations and rewrites the OAS 3.0 leftovers: `nullable: true` (which ajv rejects next to
 * `$ref` and mishandles next to `enum`) becomes `anyOf: [schema, {type: 'null'}]`, and boolean
 * `exclusiveMinimum`/`exclusiveMaximum` become numeric bounds.
 */
export function prepareSchema(schema: unknown): unknown {
  if (!isObject(schema)) return schema;
  const prepared: JsonObject = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === 'nullable' || ANNOTATION_KEYWORDS.has(keyword) || keyword.startsWith('x-')) continue;
    prepared[keyword] = prepareKeywordValue(keyword, value);
  }
  rewriteBooleanExclusiveBound(prepared, 'exclusiveMinimum', 'minimum');
  rewriteBooleanExclusiveBound(prepared, 'exclusiveMaximum', 'maximum');
  if (schema.nullable !== true) return prepared;
  return Object.keys(prepared).length === 0 ? {} : { anyOf: [prepared, { type: 'null' }] };
}

/** OAS 3.0 `{minimum: 0, exclusiveMinimum: true}` becomes 2020-12 `{exclusiveMinimum: 0}`. */
function rewriteBooleanExclusiveBound(schema: JsonObject, exclusiveKeyword: string, inclusiveKeyword: string): void {
  const exclusive = schema[exclusiveKeyword];
  if (typeof exclusive !== 'boolean') return;
  delete schema[exclusiveKeyword];
  if (exclusive && typeof schema[inclusiveKeyword] === 'number') {
    schema[exclusiveKeyword] = schema[inclusiveKeyword];
    delete schema[inclusiveKeyword];
  }
}

function prepareKeywordValue(keyword: string, value: unknown): unknown {
  if (SUBSCHEMA_KEYWORDS.has(keyword)) return prepareSchema(value);
  if (SUBSCHEMA_MAP_KEYWORDS.has(keyword) && isObject(value)) return mapValues(value, prepareSchema);
  if (SUBSCHEMA_LIST_KEYWORDS.has(keyword) && Array.isArray(value)) return value.map(prepareSchema);
  return value;
}

// ---------------------------------------------------------------------------------------------------------
// Validation

function createSpecValidator(componentSchemas: JsonObject): SpecValidator {
  const ajv = createAjv();
  const compiled = new Map<string, ValidateFunction>();

  function validatorFor(schemaName: string): ValidateFunction {
    let validateFn = compiled.get(schemaName);
    if (!validateFn) {
      validateFn = ajv.compile(standaloneSchema(componentSchemas, schemaName));
      compiled.set(schemaName, validateFn);
    }
    return validateFn;
  }

  return {
    validate(schemaName, value, options = {}) {
      const waived = options.waive ?? [];
      const validateFn = validatorFor(schemaName);
      if (validateFn(withoutWaivedPaths(value, waived))) return [];
      const errors = (validateFn.errors ?? []).filter((error) => !isWaived(errorPath(error), waived));
      return [...new Set(errors.map(formatError))];
    },
  };
}

/**
 * One schema document holding the named component plus every component it reaches through `$ref`.
 * Handing ajv only this closure keeps it from scanning all 1,400-odd components.
 */
function standaloneSchema(componentSchemas: JsonObject, schemaName: string): JsonObject {
  if (!Object.hasOwn(componentSchemas, schemaName)) {
    throw new Error(`OpenAI spec has no component schema named ${JSON.stringify(schemaName)}`);
  }
  return {
    $id: `${SPEC_BASE_ID}/${encodeURIComponent(schemaName)}`,
    $ref: `${COMPONENT_REF_PREFIX}${schemaName}`,
    components: { schemas: referenceClosure(componentSchemas, schemaName) },
  };
}

function referenceClosure(componentSchemas: JsonObject, rootName: string): JsonObject {
  const closure: JsonObject = {};
  const pending = [rootName];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (Object.hasOwn(closure, name)) continue;
    closure[name] = componentSchemas[name];
    collectReferencedComponents(componentSchemas[name], pending);
  }
  return closure;
}

function collectReferencedComponents(node: unknown, names: string[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collectReferencedComponents(item, names);
  } else if (isObject(node)) {
    const ref = node.$ref;
    if (typeof ref === 'string' && ref.startsWith(COMPONENT_REF_PREFIX)) names.push(ref.slice(COMPONENT_REF_PREFIX.length));
    for (const value of Object.values(node)) collectReferencedComponents(value, names);
  }
}

function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  // OpenAI's own format: seconds since the epoch.
  ajv.addFormat('unixtime', { type: 'number', validate: (seconds: number) => Number.isInteger(seconds) });
  return ajv;
}

/**
 * Waived values are removed before validating rather than only filtering errors afterwards: a bad value
 * inside an `anyOf` also fails the enclosing `anyOf`, at a path above the waived one.
 */
function withoutWaivedPaths(value: unknown, waived: string[]): unknown {
  if (waived.length === 0) return value;
  const copy = structuredClone(value);
  for (const path of waived) deleteAtPointer(copy, path);
  return copy;
}

function deleteAtPointer(root: unknown, pointer: string): void {
  const segments = pointer.split('/').slice(1).map(unescapePointerSegment);
  const last = segments.pop();
  if (last === undefined) return;
  let parent = root;
  for (const segment of segments) {
    if (!isObject(parent) && !Array.isArray(parent)) return;
    parent = (parent as JsonObject)[segment];
  }
  // Array items are left in place (removing one would shift the indexes); their errors are filtered instead.
  if (isObject(parent)) delete parent[last];
}

/** The instance path an error is about; for a missing required property that is the property's own path. */
function errorPath(error: ErrorObject): string {
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    return `${error.instancePath}/${escapePointerSegment(missing)}`;
  }
  return error.instancePath;
}

function isWaived(path: string, waived: string[]): boolean {
  return waived.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

function formatError(error: ErrorObject): string {
  return `${error.instancePath || '/'} ${error.message ?? error.keyword}${errorDetail(error)}`;
}

/** ajv's messages for these keywords do not say which value was expected or which property was extra. */
function errorDetail(error: ErrorObject): string {
  const params = error.params as JsonObject;
  switch (error.keyword) {
    case 'const':
      return ` ${JSON.stringify(params.allowedValue)}`;
    case 'enum':
      return ` ${JSON.stringify(params.allowedValues)}`;
    case 'additionalProperties':
      return ` (${JSON.stringify(params.additionalProperty)})`;
    default:
      return '';
  }
}

// ---------------------------------------------------------------------------------------------------------
// Small utilities

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mapValues(object: JsonObject, mapper: (value: unknown) => unknown): JsonObject {
  return Object.fromEntries(Object.entries(object).map(([key, value]) => [key, mapper(value)]));
}

function unescapePointerSegment(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

function escapePointerSegment(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}
