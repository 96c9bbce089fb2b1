/**
 * Values lifted from the user's last message, so a tool call answers the question that was asked:
 * "What's the weather in Tokyo?" gives `location: "Tokyo"`.
 */

const PLACE_AFTER_PREPOSITION =
  /\b(in|at|for|to|from|near|around|visiting|visit|of)\s+([A-Z][\p{L}'’.-]*(?:[ -](?:(?:de|del|da|do|la|le|los|las|of|upon)\s+)?[A-Z][\p{L}'’.-]*)*(?:,\s*[A-Z][\p{L}.]*(?:\s[A-Z][\p{L}.]*)*)?)/gu;
const CAPITALISED_RUN = /[A-Z][\p{L}'’.-]*(?:\s[A-Z][\p{L}'’.-]*)*/gu;

/** Capitalised words that are not places, or that start sentences rather than name things. */
const NOT_PLACES = new Set(
  (
    'monday tuesday wednesday thursday friday saturday sunday january february march april may june july ' +
    'august september october november december celsius fahrenheit kelvin english spanish french german ' +
    'chinese japanese i im what whats how is are can could would will please the a an tell show give find ' +
    'get do does hi hello hey thanks thank and but also it my me who where when why which should let lets ' +
    'write make create search look check book send set today tomorrow yesterday weather json python ' +
    'javascript typescript ai api'
  ).split(' '),
);

function isPlausiblePlace(candidate: string): boolean {
  const first = candidate.split(/[\s,]/)[0] ?? '';
  return !NOT_PLACES.has(first.toLowerCase().replace(/[^a-z]/g, ''));
}

function cleanPlace(raw: string): string {
  return raw
    .replace(/[.'’-]+$/, '')
    .replace(/'s$/, '')
    .trim();
}

/**
 * A place named in the text. `prepositions` says which role is wanted: "from" for an origin, "to"
 * for a destination; without a match for them, the first place after any preposition is used.
 */
export function extractPlace(text: string | undefined, prepositions: readonly string[] = []): string | undefined {
  if (!text) return undefined;
  let first: string | undefined;
  for (const match of text.matchAll(PLACE_AFTER_PREPOSITION)) {
    const place = cleanPlace(match[2] ?? '');
    if (!place || !isPlausiblePlace(place)) continue;
    if (prepositions.includes((match[1] ?? '').toLowerCase())) return place;
    first ??= place;
  }
  if (first) return first;
  for (const match of text.matchAll(CAPITALISED_RUN)) {
    const place = cleanPlace(match[0]);
    if (place && isPlausiblePlace(place)) return place;
  }
  return undefined;
}

const TOPIC_AFTER_VERB = /\b(?:search(?:\s+the\s+web)?\s+for|look\s+up|find(?:\s+me)?|about|regarding|research|information\s+on)\s+(.+?)(?:[?!]|\.(?:\s|$)|$)/i;
const LEADING_FILLER =
  /^(?:(?:please|hey|hi|ok|okay|so|can you|could you|would you|will you|tell me|show me|give me|i want to know|i need|what's|what is|what are|how do i|how do you|how does|how to|how can i|who is|who was|explain|describe)[\s,]+)+/i;
const MAX_TOPIC_WORDS = 8;

/** "a short JSON summary of ..." → "...": the framing of a request is not its topic. */
const REQUEST_FRAMING =
  /^(?:(?:a|an|the|some|me)\s+)?(?:(?:short|brief|quick|detailed|json|simple|concise)\s+)*(?:summary|overview|list|explanation|description|analysis|breakdown|report|comparison)\s+(?:of|on|about)\s+/i;

/** A short search-style phrase: the object of "search for ..."/"about ...", else the trimmed question. */
export function extractTopic(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const flat = text.replace(/\s+/g, ' ').trim();
  const afterVerb = TOPIC_AFTER_VERB.exec(flat)?.[1];
  const phrase = (afterVerb ?? flat.replace(LEADING_FILLER, ''))
    .replace(/^[\p{L}\s]{1,20}:\s+(?=\S)/u, '') // "Classify: I loved it" → "I loved it"
    .replace(REQUEST_FRAMING, '')
    .replace(/^(?:the|a|an)\s+/i, '');
  const words = phrase
    .split(/[?!;]|\.(?:\s|$)/)[0]
    ?.split(' ')
    .filter((w) => w.length > 0)
    .slice(0, MAX_TOPIC_WORDS);
  while (words && words.length > 1 && STOP_WORDS.has((words[words.length - 1] ?? '').toLowerCase().replace(/,$/, ''))) words.pop();
  const topic = words?.join(' ').replace(/[,]+$/, '') ?? '';
  return topic.length > 0 ? topic : undefined;
}

/** The first option the text mentions as a whole word, ignoring case. */
export function mentionedOption<T>(text: string | undefined, options: readonly T[]): T | undefined {
  if (!text) return undefined;
  const haystack = text.toLowerCase();
  return options.find((option) => typeof option === 'string' && option.length >= 2 && containsWord(haystack, option.toLowerCase()));
}

function containsWord(haystack: string, word: string): boolean {
  let from = 0;
  for (;;) {
    const at = haystack.indexOf(word, from);
    if (at < 0) return false;
    const before = haystack.charAt(at - 1);
    const after = haystack.charAt(at + word.length);
    if (!isWordChar(before) && !isWordChar(after)) return true;
    from = at + 1;
  }
}

function isWordChar(c: string): boolean {
  return c !== '' && /[\p{L}\p{N}_]/u.test(c);
}

const STOP_WORDS = new Set(
  (
    'the a an and or but if then else of to in on at by for with about from into over under is are was were be ' +
    'been being have has had do does did can could would should will shall may might must i you he she it we ' +
    'they me him her us them my your his its our their this that these those what which who whom whose when ' +
    'where why how please tell show give make write list explain describe some any all each more most other ' +
    'such only own same so than too very just also like want need know get json object return format using use ' +
    'as one two three four five six seven eight nine ten few several short brief quick detailed simple concise ' +
    'summary summarize overview list facts fact examples example details answer reply respond output'
  ).split(' '),
);

/** Distinct lower-case content words of the text, in order of appearance. */
export function keywords(text: string, limit: number): string[] {
  const out: string[] = [];
  for (const raw of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (raw.length < 3 || STOP_WORDS.has(raw) || /^\d+$/.test(raw) || out.includes(raw)) continue;
    out.push(raw);
    if (out.length >= limit) break;
  }
  return out;
}
