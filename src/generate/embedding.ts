/**
 * Deterministic fake embeddings with believable geometry: texts that share words and spellings point in
 * similar directions. Built by feature hashing (a sparse random projection): every word, word pair and
 * character trigram of the text is hashed, with the salt, to a few coordinates with a ± sign, the weighted
 * contributions are summed, and the sum is scaled to unit length.
 */

/** Coordinates each feature is spread over; more gives denser vectors and less collision noise. */
const COORDINATES_PER_FEATURE = 16;
const WORD_WEIGHT = 1;
/** Function words carry little meaning; at full weight "the" vs "a" would dominate short sentences. */
const FUNCTION_WORD_WEIGHT = 0.2;
const WORD_PAIR_WEIGHT = 0.4;
/** Total weight of one word's trigrams, shared out among them, so long words do not outweigh short ones. */
const TRIGRAMS_PER_WORD_WEIGHT = 0.8;

const FUNCTION_WORDS = new Set(
  (
    'a an the and or but if of to in on at by for with from as is are was were be been being it its ' +
    'this that these those i you he she we they me him her us them my your our their'
  ).split(' '),
);

// Distinct starting states keep a word, a word pair and a trigram with the same characters apart.
const WORD_FEATURE = 0x3c6ef372;
const WORD_PAIR_FEATURE = 0xa54ff53a;
const TRIGRAM_FEATURE = 0x510e527f;
const WHOLE_TEXT_FEATURE = 0x9b05688c;

const FNV_PRIME = 0x01000193;
const WORD_BOUNDARY = 0x23; // '#', padding so trigrams also record where words start and end

/** Normalised (L2 = 1) embedding, deterministic for (text, dimensions, salt); texts that share words and character n-grams get a high cosine similarity, unrelated texts a low one. */
export function embedText(text: string, dimensions: number, salt: number): Float32Array {
  if (!Number.isInteger(dimensions) || dimensions < 1) {
    throw new RangeError(`dimensions must be a positive integer, got ${dimensions}`);
  }
  const sums = new Float64Array(dimensions);
  const words = wordsOf(text);
  if (words.length > 0) {
    addWordFeatures(sums, words, salt);
  } else {
    // Empty or punctuation-only input: the text itself is the only feature there is.
    addFeature(sums, hashString(featureSeed(WHOLE_TEXT_FEATURE, salt), text.trim()), 1);
  }
  return toUnitVector(sums, salt);
}

/** Little-endian float32 bytes, base64 — exactly what the openai SDK decodes for encoding_format "base64". */
export function embeddingToBase64(vector: Float32Array): string {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i] as number, i * 4);
  return bytes.toString('base64');
}

/** Lower-cased runs of letters and digits, so case, spacing and punctuation do not matter. */
function wordsOf(text: string): string[] {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

function addWordFeatures(sums: Float64Array, words: string[], salt: number): void {
  const wordSeed = featureSeed(WORD_FEATURE, salt);
  const pairSeed = featureSeed(WORD_PAIR_FEATURE, salt);
  const trigramSeed = featureSeed(TRIGRAM_FEATURE, salt);
  let previous: string | undefined;
  for (const word of words) {
    const weight = wordWeight(word);
    addFeature(sums, hashString(wordSeed, word), weight * WORD_WEIGHT);
    addTrigrams(sums, word, trigramSeed, weight * TRIGRAMS_PER_WORD_WEIGHT);
    if (previous !== undefined) {
      const pairHash = hashString(hashCodeUnit(hashString(pairSeed, previous), 0x20), word);
      addFeature(sums, pairHash, Math.sqrt(weight * wordWeight(previous)) * WORD_PAIR_WEIGHT);
    }
    previous = word;
  }
}

function wordWeight(word: string): number {
  return FUNCTION_WORDS.has(word) ? FUNCTION_WORD_WEIGHT : 1;
}

/** The trigrams of "#word#", without building a string per trigram. */
function addTrigrams(sums: Float64Array, word: string, seed: number, totalWeight: number): void {
  const trigramCount = word.length;
  const weight = totalWeight / Math.sqrt(trigramCount);
  for (let start = -1; start < word.length - 1; start++) {
    let hash = seed;
    for (let i = start; i < start + 3; i++) {
      hash = hashCodeUnit(hash, i < 0 || i >= word.length ? WORD_BOUNDARY : word.charCodeAt(i));
    }
    addFeature(sums, hash, weight);
  }
}

/** Adds ±weight/√k to k coordinates chosen by the feature's hash, so every feature has length `weight`. */
function addFeature(sums: Float64Array, featureHash: number, weight: number): void {
  const share = weight / Math.sqrt(COORDINATES_PER_FEATURE);
  for (let k = 0; k < COORDINATES_PER_FEATURE; k++) {
    const bits = mix32(featureHash + Math.imul(k + 1, 0x9e3779b9));
    const index = (bits >>> 1) % sums.length;
    sums[index] = (sums[index] ?? 0) + (bits & 1 ? share : -share);
  }
}

function toUnitVector(sums: Float64Array, salt: number): Float32Array {
  let squares = 0;
  for (const value of sums) squares += value * value;
  const vector = new Float32Array(sums.length);
  if (squares === 0) {
    // Contributions can cancel out exactly when there are very few dimensions.
    vector[mix32(salt) % vector.length] = 1;
    return vector;
  }
  const scale = 1 / Math.sqrt(squares);
  for (let i = 0; i < sums.length; i++) vector[i] = (sums[i] as number) * scale;
  return vector;
}

function featureSeed(kind: number, salt: number): number {
  return mix32(kind ^ Math.imul(salt | 0, FNV_PRIME));
}

/** FNV-1a step over one UTF-16 code unit. */
function hashCodeUnit(hash: number, codeUnit: number): number {
  return Math.imul(hash ^ codeUnit, FNV_PRIME) >>> 0;
}

function hashString(hash: number, text: string): number {
  for (let i = 0; i < text.length; i++) hash = hashCodeUnit(hash, text.charCodeAt(i));
  return hash;
}

/** murmur3's finaliser: spreads FNV's weak low bits over the whole word. */
function mix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
