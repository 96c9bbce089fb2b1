/** The model endpoints (all POST, paths without the /v1 prefix): what costs money, is rate limited, recorded and replayed. */
export const MODEL_ENDPOINTS: ReadonlySet<string> = new Set([
  '/chat/completions',
  '/completions',
  '/embeddings',
  '/images/generations',
  '/audio/transcriptions',
  '/audio/translations',
  '/audio/speech',
]);
