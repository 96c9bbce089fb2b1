import { isPlainObject } from './schema-util.ts';

/**
 * `$ref` lookup within one document: `#`, JSON pointers (`#/$defs/x`, `#/definitions/x`,
 * `#/properties/a/items`), plain-name anchors (`#node`, via `$anchor` or a draft-07 `$id: "#node"`)
 * and references to a nested `$id`. Remote documents are not fetched.
 */
export function resolveRef(root: unknown, ref: string): unknown {
  if (ref === '#' || ref === '') return root;
  if (!isPlainObject(root)) return lookUp(root, ref);
  let cache = resolved.get(root);
  if (!cache) {
    cache = new Map();
    resolved.set(root, cache);
  }
  if (cache.has(ref)) return cache.get(ref);
  const target = lookUp(root, ref);
  cache.set(ref, target);
  return target;
}

/** Resolutions per root schema object; schemas are treated as immutable once passed in. */
const resolved = new WeakMap<object, Map<string, unknown>>();

function lookUp(root: unknown, ref: string): unknown {
  const hash = ref.indexOf('#');
  const base = hash < 0 ? ref : ref.slice(0, hash);
  const fragment = hash < 0 ? '' : ref.slice(hash + 1);
  const doc = base === '' || isRootId(root, base) ? root : findById(root, base);
  if (doc === undefined) return undefined;
  if (fragment === '') return doc;
  if (fragment.startsWith('/')) return followPointer(doc, fragment);
  return findById(doc, fragment) ?? findById(root, fragment);
}

function isRootId(root: unknown, base: string): boolean {
  return isPlainObject(root) && typeof root.$id === 'string' && stripHash(root.$id) === base;
}

function stripHash(id: string): string {
  return id.endsWith('#') ? id.slice(0, -1) : id;
}

function followPointer(doc: unknown, pointer: string): unknown {
  let node = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const key = decodeSegment(raw);
    if (Array.isArray(node)) node = node[Number(key)];
    else if (isPlainObject(node)) node = node[key];
    else return undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

function decodeSegment(raw: string): string {
  let s = raw;
  try {
    s = decodeURIComponent(raw);
  } catch {
    // keep the raw segment when it is not valid percent-encoding
  }
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

const idIndexes = new WeakMap<object, Map<string, unknown>>();
const MAX_INDEXED_NODES = 5000;

/** Subschemas reachable from `doc` by `$anchor` or `$id`, indexed once per document object. */
function findById(doc: unknown, key: string): unknown {
  if (!isPlainObject(doc)) return undefined;
  let index = idIndexes.get(doc);
  if (!index) {
    index = buildIdIndex(doc);
    idIndexes.set(doc, index);
  }
  return index.get(key) ?? index.get(`#${key}`);
}

function buildIdIndex(doc: Record<string, unknown>): Map<string, unknown> {
  const index = new Map<string, unknown>();
  const stack: unknown[] = [doc];
  let visited = 0;
  while (stack.length > 0 && visited++ < MAX_INDEXED_NODES) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      stack.push(...node);
      continue;
    }
    if (!isPlainObject(node)) continue;
    if (typeof node.$anchor === 'string' && !index.has(node.$anchor)) index.set(node.$anchor, node);
    if (typeof node.$id === 'string' && node !== doc) {
      const id = stripHash(node.$id);
      if (!index.has(id)) index.set(id, node);
    }
    for (const [key, child] of Object.entries(node)) {
      if (key !== 'enum' && key !== 'const' && key !== 'examples' && key !== 'default') stack.push(child);
    }
  }
  return index;
}
