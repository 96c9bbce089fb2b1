import type { Rng } from './random.ts';
import { adjective, capitalize, city, firstName, jobTitle, noun, sentence as vocabularySentence, verb, withArticle } from './vocabulary.ts';

/**
 * Plain English reply text, seeded. Not a language model: sentences are built from templates and
 * faker's English word lists (drawn with our own Rng, see vocabulary.ts), steered by the prompt's
 * subject so replies read as if on topic.
 */

const STOPWORDS = new Set(
  (
    'a an the and or but if then so to of in on at for with about from by as is are was were be been am ' +
    'i me my you your we our it its this that these those what whats which who how why when where can could ' +
    'would should will shall do does did please tell give write make explain like just some any me us them ' +
    'there here have has had not no yes hello hi hey thanks thank short long story test'
  ).split(' '),
);

export interface ReplyPlan {
  /** Rough target length in tokens before any max_tokens cut. */
  targetTokens: number;
  kind: 'greeting' | 'story' | 'answer';
  topic: string;
}

/** Decides what kind of reply fits the prompt and how long it should be. */
export function planReply(rng: Rng, prompt: string): ReplyPlan {
  const lower = prompt.toLowerCase();
  const topic = topicOf(prompt);
  if (/^\s*(hello|hi|hey|good (morning|afternoon|evening))\b[\s!.,?]*$/i.test(prompt)) {
    return { kind: 'greeting', topic, targetTokens: rng.int(8, 16) };
  }
  const story = /\b(story|tale|poem|essay|narrative)\b/.test(lower);
  let target = story ? rng.int(140, 260) : /\b(explain|describe|detail|why|how)\b/.test(lower) ? rng.int(70, 150) : rng.int(25, 80);
  if (/\b(short|brief|quick|concise|one sentence)\b/.test(lower)) target = Math.ceil(target * 0.6);
  return { kind: story ? 'story' : 'answer', topic, targetTokens: target };
}

const LEADING_FILLER =
  /^(please\s+)?((what|who|where|when|why|which)('s|\s+is|\s+are|\s+was|\s+were|\s+do|\s+does|\s+did)?|how('s|\s+do|\s+does|\s+did|\s+can|\s+should|\s+would)?|can you|could you|would you|tell me( about)?|explain|describe|write( me)?|give me|i want( to know)?( about)?|do you know( about)?|is|are|do|does)\s+/i;

/**
 * The subject of the prompt as a phrase: "What is the capital of France?" → "the capital of
 * France", "Explain how a lighthouse works" → "how a lighthouse works". Falls back to its content words.
 */
export function topicOf(prompt: string): string {
  let topic = topics.get(prompt);
  if (topic === undefined) {
    topic = findTopic(prompt);
    // A long prompt is not kept: 10 000 cached megabyte prompts would be gigabytes held for nothing.
    if (prompt.length <= MAX_CACHED_PROMPT) {
      if (topics.size >= 10_000) topics.clear();
      topics.set(prompt, topic);
    }
  }
  return topic;
}

/** Clients repeat prompts (tests, retries, agent loops); the topic of each is worked out once. */
const topics = new Map<string, string>();
const MAX_CACHED_PROMPT = 4096;

function findTopic(prompt: string): string {
  const firstSentence = prompt.trim().split(/[?!.\n]/)[0] ?? '';
  let phrase = firstSentence
    .replace(/[^\p{L}\p{N}\s'-]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  for (let i = 0; i < 3 && LEADING_FILLER.test(phrase); i++) phrase = phrase.replace(LEADING_FILLER, '');
  phrase = phrase.replace(/\s+(like|please|today|now)$/i, '');
  const words = phrase.split(' ').filter(Boolean);
  if (words.length >= 1 && words.length <= 7 && words.some((w) => !STOPWORDS.has(w.toLowerCase()))) return words.join(' ');
  const content = prompt
    .toLowerCase()
    .replace(/[^a-z0-9\s'-]/g, ' ')
    .split(/\s+/)
    .filter((w) => w.length > 2 && !STOPWORDS.has(w));
  return content.slice(-3).join(' ');
}

/** English averages about 4.2 characters per token; only used to decide when a reply is long enough. */
const CHARS_PER_TOKEN = 4.2;

/**
 * Text of roughly `plan.targetTokens` tokens, ending on a full sentence. The caller counts the
 * real tokens of the result; the target only decides how many sentences to write.
 */
export function writeReply(rng: Rng, plan: ReplyPlan): string {
  if (plan.kind === 'greeting') return rng.pick(GREETINGS);
  const sentences: string[] = [];
  const targetChars = plan.targetTokens * CHARS_PER_TOKEN;
  let chars = 0;
  const storyCast = plan.kind === 'story' ? castOf(rng) : undefined;
  while (chars < targetChars && sentences.length < 200) {
    const s = storyCast ? storySentence(rng, storyCast, sentences.length) : answerSentence(rng, plan.topic, sentences.length);
    sentences.push(s);
    chars += s.length + 1;
  }
  return joinParagraphs(rng, sentences);
}

/** One standalone sentence, for transcripts and short fillers. */
export function sentence(rng: Rng, topic = ''): string {
  return answerSentence(rng, topic, 1);
}

const GREETINGS = [
  'Hello! How can I help you today?',
  'Hi there! What can I do for you today?',
  'Hello! What would you like to talk about?',
  'Hi! How can I assist you today?',
];

function joinParagraphs(rng: Rng, sentences: string[]): string {
  const out: string[] = [];
  let paragraph: string[] = [];
  let size = rng.int(3, 5);
  for (const s of sentences) {
    paragraph.push(s);
    if (paragraph.length >= size) {
      out.push(paragraph.join(' '));
      paragraph = [];
      size = rng.int(3, 5);
    }
  }
  if (paragraph.length) out.push(paragraph.join(' '));
  return out.join('\n\n');
}

type Template = (rng: Rng, subject: string) => string;

// Templates live at module level: building closures per sentence showed up in the throughput profile.
const OPENERS: readonly Template[] = [
  (rng, subject) => `${capitalize(subject)} is ${withArticle(adjective(rng))} subject, and the short answer depends on the ${noun(rng)} involved.`,
  (_rng, subject) => `Here is what I can tell you about ${subject}.`,
  (_rng, subject) => `Good question: ${subject} comes up often.`,
];

const BODIES: readonly Template[] = [
  (rng, subject) => `One ${adjective(rng)} way to look at ${subject} is to ${verb(rng)} the ${noun(rng)} first.`,
  (rng, subject) => `In practice, ${subject} helps you ${verb(rng)} ${withArticle(adjective(rng))} ${noun(rng)}.`,
  (rng, subject) => `Most people ${verb(rng)} the ${noun(rng)} before they think about ${subject}.`,
  (rng, subject) => `${capitalize(withArticle(adjective(rng)))} ${noun(rng)} can ${verb(rng)} ${subject} without much effort.`,
  (rng) => `It is worth noting that the ${noun(rng)} tends to be ${adjective(rng)} in this case.`,
  (rng) => `If you want to ${verb(rng)} it well, start with ${withArticle(adjective(rng))} ${noun(rng)} and build from there.`,
  (rng) => vocabularySentence(rng),
  (rng) => `Think of it as ${withArticle(adjective(rng))} ${noun(rng)}: simple to ${verb(rng)}, harder to master.`,
  (rng) => `The ${noun(rng)} and the ${noun(rng)} both matter, but the ${noun(rng)} matters most.`,
];

function answerSentence(rng: Rng, topic: string, index: number): string {
  const subject = topic || `the ${noun(rng)}`;
  return rng.pick(index === 0 ? OPENERS : BODIES)(rng, subject);
}

interface StoryCast {
  hero: string;
  place: string;
  thing: string;
}

function castOf(rng: Rng): StoryCast {
  return { hero: firstName(rng), place: city(rng), thing: noun(rng) };
}

type StoryLine = (rng: Rng, cast: StoryCast) => string;

const STORY_LINES: readonly StoryLine[] = [
  (rng, { hero, thing }) => `Every morning ${hero} walked past the old ${thing} by the ${noun(rng)}.`,
  (rng) => `One day ${withArticle(adjective(rng))} stranger arrived with ${withArticle(noun(rng))} and a question.`,
  (rng, { thing }) => `"Have you ever seen ${withArticle(adjective(rng))} ${thing}?" the stranger asked.`,
  (rng, { hero }) => `${hero} had not, but decided it was time to ${verb(rng)} something new.`,
  (rng, { place }) => `The streets of ${place} grew ${adjective(rng)} as the evening came.`,
  (rng, { place, thing }) => `Nobody in ${place} expected the ${thing} to ${verb(rng)}, yet it did.`,
  (rng, { hero }) => `${hero} laughed, and for a moment everything felt ${adjective(rng)}.`,
  (rng, { hero, thing }) => `By the time the ${noun(rng)} rang, the ${thing} had changed ${hero} for good.`,
];

function storySentence(rng: Rng, cast: StoryCast, index: number): string {
  if (index === 0) {
    return `Once upon a time, in the ${adjective(rng)} town of ${cast.place}, there lived ${withArticle(jobTitle(rng).toLowerCase())} named ${cast.hero}.`;
  }
  return rng.pick(STORY_LINES)(rng, cast);
}
