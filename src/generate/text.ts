import type { Faker } from '@faker-js/faker';
import { Rng, seededFaker } from './random.ts';

/**
 * Plain English reply text, seeded. Not a language model: sentences are built from templates and
 * faker's English word lists, steered by a few words of the prompt so replies read as if on topic.
 */

const STOPWORDS = new Set(
  ('a an the and or but if then so to of in on at for with about from by as is are was were be been am ' +
    'i me my you your we our it its this that these those what whats which who how why when where can could ' +
    'would should will shall do does did please tell give write make explain like just some any me us them ' +
    'there here have has had not no yes hello hi hey thanks thank short long story test').split(' '),
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
  const firstSentence = prompt.trim().split(/[?!.\n]/)[0] ?? '';
  let phrase = firstSentence.replace(/[^\p{L}\p{N}\s'-]/gu, ' ').replace(/\s+/g, ' ').trim();
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

/** "a" or "an" before a word, by its first letter (good enough for generated English). */
export function withArticle(phrase: string): string {
  return `${/^[aeiou]/i.test(phrase) ? 'an' : 'a'} ${phrase}`;
}

/**
 * Text of about `plan.targetTokens` tokens (counted with `countTokens`), ending on a full sentence.
 * Sentences are drawn until the target is reached, so the length is real, not estimated.
 */
export function writeReply(rng: Rng, plan: ReplyPlan, countTokens: (text: string) => number): string {
  const faker = seededFaker(rng.int(0, 2 ** 31 - 1));
  if (plan.kind === 'greeting') return rng.pick(GREETINGS);
  const sentences: string[] = [];
  let tokens = 0;
  const storyCast = plan.kind === 'story' ? castOf(faker) : undefined;
  while (tokens < plan.targetTokens && sentences.length < 200) {
    const s = storyCast ? storySentence(faker, rng, storyCast, sentences.length) : answerSentence(faker, rng, plan.topic, sentences.length);
    sentences.push(s);
    tokens += countTokens(s) + 1;
  }
  return joinParagraphs(rng, sentences);
}

/** One standalone sentence, for transcripts and short fillers. */
export function sentence(rng: Rng, topic = ''): string {
  const faker = seededFaker(rng.int(0, 2 ** 31 - 1));
  return answerSentence(faker, rng, topic, 1);
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

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function answerSentence(faker: Faker, rng: Rng, topic: string, index: number): string {
  const subject = topic || faker.word.noun();
  const adj = () => faker.word.adjective();
  const noun = () => faker.word.noun();
  const verb = () => faker.word.verb();
  const openers = [
    () => `${capitalise(subject)} is ${withArticle(adj())} subject, and the short answer depends on the ${noun()} involved.`,
    () => `Here is what I can tell you about ${subject}.`,
    () => `Good question: ${subject} comes up often.`,
  ];
  const bodies = [
    () => `One ${adj()} way to look at ${subject} is to ${verb()} the ${noun()} first.`,
    () => `In practice, ${subject} helps you ${verb()} ${withArticle(adj())} ${noun()}.`,
    () => `Most people ${verb()} the ${noun()} before they think about ${subject}.`,
    () => `${capitalise(withArticle(adj()))} ${noun()} can ${verb()} ${subject} without much effort.`,
    () => `It is worth noting that the ${noun()} tends to be ${adj()} in this case.`,
    () => `If you want to ${verb()} it well, start with ${withArticle(adj())} ${noun()} and build from there.`,
    () => `${capitalise(faker.hacker.phrase())}`,
    () => `Think of it as ${withArticle(adj())} ${noun()}: simple to ${verb()}, harder to master.`,
    () => `The ${noun()} and the ${noun()} both matter, but the ${noun()} matters most.`,
  ];
  const pick = index === 0 ? rng.pick(openers) : rng.pick(bodies);
  return pick();
}

interface StoryCast {
  hero: string;
  place: string;
  thing: string;
}

function castOf(faker: Faker): StoryCast {
  return { hero: faker.person.firstName(), place: faker.location.city(), thing: faker.word.noun() };
}

function storySentence(faker: Faker, rng: Rng, cast: StoryCast, index: number): string {
  const { hero, place, thing } = cast;
  if (index === 0) return `Once upon a time, in the ${faker.word.adjective()} town of ${place}, there lived ${withArticle(faker.person.jobTitle().toLowerCase())} named ${hero}.`;
  const lines = [
    () => `Every morning ${hero} walked past the old ${thing} by the ${faker.word.noun()}.`,
    () => `One day ${withArticle(faker.word.adjective())} stranger arrived with ${withArticle(faker.word.noun())} and a question.`,
    () => `"Have you ever seen ${withArticle(faker.word.adjective())} ${thing}?" the stranger asked.`,
    () => `${hero} had not, but decided it was time to ${faker.word.verb()} something new.`,
    () => `The streets of ${place} grew ${faker.word.adjective()} as the evening came.`,
    () => `Nobody in ${place} expected the ${thing} to ${faker.word.verb()}, yet it did.`,
    () => `${hero} laughed, and for a moment everything felt ${faker.word.adjective()}.`,
    () => `By the time the ${faker.word.noun()} rang, the ${thing} had changed ${hero} for good.`,
  ];
  return rng.pick(lines)();
}
