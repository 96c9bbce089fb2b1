import type { Rng } from '../random.ts';
import { extractPlace, extractTopic, keywords } from './hints.ts';
import * as vocab from '../vocabulary.ts';

/**
 * Realistic values chosen by property name: `email` gets an address, `city` a city, `price` an
 * amount with cents. Names are split into lower-case tokens (`createdAt`, `created_at` → created,
 * at) and matched against rules in order, most specific first.
 */

export interface NameContext {
  /** The property name the value is for. */
  name?: string;
  /** The name of the object or array that holds it, to tell a product `name` from a person's. */
  parentName?: string;
  /** The user's last message, for place and topic hints. */
  text?: string;
}

interface Tokens {
  list: string[];
  has: (...words: string[]) => boolean;
  last: string;
  joined: string;
}

const tokenCache = new Map<string, Tokens>();

export function tokenize(name: string): Tokens {
  const hit = tokenCache.get(name);
  if (hit) return hit;
  const list = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0);
  const set = new Set(list);
  const tokens: Tokens = {
    list,
    has: (...words) => words.some((w) => set.has(w)),
    last: list[list.length - 1] ?? '',
    joined: list.join(''),
  };
  if (tokenCache.size > 2000) tokenCache.clear();
  tokenCache.set(name, tokens);
  return tokens;
}

/** Simple English singular, for naming array items after their array: `cities` → `city`. */
export function singular(name: string): string {
  if (/ies$/i.test(name)) return name.slice(0, -3) + 'y';
  if (/(ss|us|is)$/i.test(name)) return name;
  if (/(ch|sh|x|ses)es$/i.test(name)) return name.slice(0, -2);
  if (/s$/i.test(name)) return name.slice(0, -1);
  return name;
}

type StringMaker = (rng: Rng, ctx: NameContext, t: Tokens) => string;

interface StringRule {
  test: (t: Tokens) => boolean;
  make: StringMaker;
}

const pick =
  (...options: string[]): StringMaker =>
  (rng) =>
    rng.pick(options);

const ORIGIN_WORDS = ['origin', 'from', 'source', 'departure', 'depart', 'start', 'pickup'];
const DESTINATION_WORDS = ['destination', 'to', 'dest', 'arrival', 'arrive', 'target', 'dropoff', 'end'];

/** The place the prompt names for this role (origin, destination, or where), else a made-up one. */
const place =
  (fallback: (rng: Rng) => string): StringMaker =>
  (rng, ctx, t) => {
    const prepositions = t.has(...ORIGIN_WORDS) ? ['from'] : t.has(...DESTINATION_WORDS) ? ['to', 'for'] : ['in', 'at', 'near', 'around'];
    return extractPlace(ctx.text, prepositions) ?? fallback(rng);
  };

const topic: StringMaker = (rng, ctx) => extractTopic(ctx.text) ?? vocab.words(rng, rng.int(2, 3));

/** A content word of the prompt, else a noun: for tags and keywords. */
const keyword: StringMaker = (rng, ctx) => {
  const words = ctx.text ? keywords(ctx.text, 8) : [];
  return words.length > 0 ? rng.pick(words) : vocab.noun(rng);
};

const PERSON_WORDS = [
  'author',
  'customer',
  'person',
  'contact',
  'owner',
  'recipient',
  'sender',
  'assignee',
  'reviewer',
  'manager',
  'employee',
  'attendee',
  'guest',
  'patient',
  'student',
  'speaker',
  'passenger',
  'driver',
  'user',
  'member',
  'client',
  'buyer',
  'seller',
  'host',
  'teacher',
  'doctor',
  'artist',
  'creator',
  'organizer',
  'participant',
];
const LONG_TEXT_WORDS = [
  'description',
  'summary',
  'details',
  'detail',
  'bio',
  'about',
  'content',
  'body',
  'text',
  'message',
  'comment',
  'comments',
  'note',
  'notes',
  'reason',
  'explanation',
  'answer',
  'response',
  'reply',
  'instructions',
  'feedback',
  'review',
  'caption',
  'excerpt',
  'abstract',
  'overview',
  'context',
  'rationale',
  'reasoning',
  'analysis',
  'justification',
  'conclusion',
  'thoughts',
  'solution',
  'result',
  'output',
  'story',
  'plan',
  'advice',
];

function nameMaker(rng: Rng, ctx: NameContext, t: Tokens): string {
  const owner = tokenize(ctx.parentName ?? '');
  const subject = t.list.length > 1 ? t : owner;
  if (subject.has('product', 'item', 'products', 'items')) return vocab.productName(rng);
  if (subject.has('company', 'organization', 'organisation', 'business', 'org', 'brand', 'vendor')) return vocab.companyName(rng);
  if (subject.has('city', 'cities')) return vocab.city(rng);
  if (subject.has('country', 'countries')) return vocab.country(rng);
  if (subject.has('file', 'files', 'document', 'documents')) return `${vocab.noun(rng)}_${vocab.noun(rng)}.${rng.pick(['pdf', 'txt', 'csv', 'json', 'md'])}`;
  if (subject.has('event', 'events', 'project', 'projects', 'team', 'teams', 'task', 'tasks', 'book', 'books')) return vocab.titlePhrase(rng);
  if (subject.has('tool', 'function', 'command', 'field', 'column', 'variable', 'key', 'param', 'parameter')) return `${vocab.verb(rng)}_${vocab.noun(rng)}`;
  return vocab.fullName(rng);
}

const STRING_RULES: StringRule[] = [
  { test: (t) => t.has('email', 'mail') || t.joined.endsWith('email'), make: (rng) => vocab.emailFor(rng) },
  {
    test: (t) =>
      t.has('url', 'uri', 'website', 'link', 'href', 'homepage', 'endpoint', 'webhook', 'avatar', 'image', 'photo', 'thumbnail', 'logo', 'icon', 'site'),
    make: (rng) => vocab.url(rng),
  },
  { test: (t) => t.has('phone', 'mobile', 'tel', 'telephone', 'fax', 'cell'), make: (rng) => vocab.phoneNumber(rng) },
  { test: (t) => t.has('username', 'handle', 'login', 'nickname', 'screenname') || (t.has('user') && t.last === 'name'), make: (rng) => vocab.username(rng) },
  { test: (t) => t.has('firstname', 'fname', 'forename') || (t.has('first', 'given') && t.has('name')), make: (rng) => vocab.firstName(rng) },
  { test: (t) => t.has('lastname', 'lname', 'surname') || (t.has('last', 'family') && t.has('name')), make: (rng) => vocab.lastName(rng) },
  {
    test: (t) => t.has('password', 'passwd', 'secret', 'token', 'apikey') || (t.has('api') && t.has('key')),
    make: (rng) => vocab.alphanumeric(rng, 24, 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789'),
  },
  { test: (t) => t.has('uuid', 'guid'), make: (rng) => vocab.uuid(rng) },
  { test: (t) => t.last === 'id' || t.last === 'ids', make: idMaker },
  {
    test: (t) => t.has('timezone', 'tz') || (t.has('time') && t.has('zone')),
    make: pick('UTC', 'America/New_York', 'Europe/London', 'Asia/Tokyo', 'Europe/Paris', 'America/Los_Angeles'),
  },
  { test: (t) => t.has('timestamp', 'datetime') || ['at', 'time'].includes(t.last), make: (rng) => isoDateTime(rng) },
  { test: (t) => t.has('date', 'birthday', 'dob', 'birthdate', 'deadline', 'due', 'day'), make: (rng) => isoDate(rng) },
  { test: (t) => t.has('duration', 'period', 'interval'), make: (rng) => `${rng.int(5, 90)} minutes` },
  { test: (t) => t.has('city', 'town', 'municipality', 'locality'), make: place(vocab.city) },
  { test: (t) => t.has('country', 'nation') && t.has('code'), make: pick('US', 'GB', 'JP', 'DE', 'FR', 'CA', 'AU', 'IN', 'BR') },
  { test: (t) => t.has('country', 'nation'), make: place(vocab.country) },
  { test: (t) => t.has('location', 'place', 'destination', 'origin', 'where', 'venue', 'loc', 'region', 'area', 'airport'), make: place(vocab.location) },
  { test: (t) => t.has('state', 'province') && !t.has('status'), make: (rng) => vocab.usState(rng) },
  { test: (t) => t.has('zip', 'zipcode', 'postal', 'postcode'), make: (rng) => vocab.postalCode(rng) },
  {
    test: (t) => t.has('address', 'street'),
    make: (rng, _ctx, t) => (t.has('street') ? vocab.streetAddress(rng) : `${vocab.streetAddress(rng)}, ${vocab.city(rng)}`),
  },
  {
    test: (t) => t.has('company', 'organization', 'organisation', 'employer', 'business', 'vendor', 'brand', 'org', 'publisher', 'manufacturer', 'supplier'),
    make: (rng) => vocab.companyName(rng),
  },
  { test: (t) => t.has('job', 'occupation', 'profession', 'position', 'role'), make: (rng) => vocab.jobTitle(rng) },
  { test: (t) => t.last === 'name' || t.has('fullname'), make: nameMaker },
  { test: (t) => t.list.length === 1 && PERSON_WORDS.includes(t.last), make: (rng) => vocab.fullName(rng) },
  { test: (t) => t.has('title', 'headline', 'heading', 'subject'), make: (rng) => vocab.titlePhrase(rng) },
  { test: (t) => t.has('keyword', 'keywords', 'tag', 'tags', 'hashtag'), make: keyword },
  { test: (t) => t.has('query', 'q', 'search', 'term', 'terms', 'prompt', 'question', 'topic', 'phrase', 'input'), make: topic },
  { test: (t) => LONG_TEXT_WORDS.includes(t.last), make: (rng) => (rng.chance(0.5) ? vocab.sentence(rng) : vocab.paragraph(rng)) },
  { test: (t) => t.has('status'), make: pick('active', 'pending', 'completed', 'in_progress', 'cancelled') },
  { test: (t) => t.has('priority', 'severity', 'level', 'urgency'), make: pick('low', 'medium', 'high') },
  { test: (t) => t.has('sentiment', 'tone', 'mood'), make: pick('positive', 'neutral', 'negative') },
  { test: (t) => t.has('gender', 'sex'), make: pick('female', 'male') },
  { test: (t) => t.has('color', 'colour'), make: (rng) => vocab.color(rng) },
  { test: (t) => t.has('currency'), make: (rng) => vocab.currencyCode(rng) },
  {
    test: (t) => t.has('language', 'lang', 'locale'),
    make: (rng, _c, t) => (t.has('language') && !t.has('code') ? vocab.language(rng).name : vocab.language(rng).alpha2),
  },
  { test: (t) => t.has('unit', 'units'), make: pick('celsius', 'fahrenheit', 'metric', 'imperial') },
  { test: (t) => t.has('ip'), make: (rng) => `${rng.int(11, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}` },
  { test: (t) => t.has('domain', 'host', 'hostname'), make: (rng) => vocab.domainName(rng) },
  {
    test: (t) => t.has('filename', 'file', 'path', 'filepath'),
    make: (rng, _c, t) => `${t.has('path', 'filepath') ? '/home/user/' : ''}${vocab.noun(rng)}_${vocab.noun(rng)}.${rng.pick(['txt', 'pdf', 'csv', 'json'])}`,
  },
  { test: (t) => t.has('version'), make: (rng) => `${rng.int(0, 5)}.${rng.int(0, 20)}.${rng.int(0, 9)}` },
  { test: (t) => t.has('sku', 'code', 'reference', 'ref'), make: (rng) => `${vocab.alphanumeric(rng, 3, 'ABCDEFGHJKLMNPQRSTUVWXYZ')}-${rng.int(1000, 9999)}` },
  { test: (t) => t.has('slug'), make: (rng) => `${vocab.adjective(rng)}-${vocab.noun(rng)}` },
  { test: (t) => t.has('category', 'department', 'genre', 'section'), make: (rng) => vocab.department(rng) },
  { test: (t) => t.has('label', 'labels', 'type', 'kind'), make: (rng) => vocab.noun(rng) },
  { test: (t) => t.has('product', 'item'), make: (rng) => vocab.productName(rng) },
  { test: (t) => t.has('method'), make: pick('GET', 'POST', 'PUT', 'DELETE') },
  {
    test: (t) => t.has('event', 'project', 'task', 'goal', 'step', 'steps', 'action'),
    make: (rng) => vocab.capitalize(`${vocab.verb(rng)} the ${vocab.noun(rng)}`),
  },
];

function idMaker(rng: Rng, _ctx: NameContext, t: Tokens): string {
  if (rng.chance(0.5)) return vocab.uuid(rng);
  const prefix = (t.list.length > 1 ? (t.list[0] ?? 'id') : 'id').slice(0, 4);
  return `${prefix}_${vocab.alphanumeric(rng, 10)}`;
}

/** A date between 2020 and 2026 (the mock's content does not follow the real clock). */
export function randomDateParts(rng: Rng): { y: number; m: number; d: number } {
  const y = rng.int(2020, 2026);
  const m = rng.int(1, 12);
  const d = rng.int(1, m === 2 ? 28 : [4, 6, 9, 11].includes(m) ? 30 : 31);
  return { y, m, d };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export function isoDate(rng: Rng): string {
  const { y, m, d } = randomDateParts(rng);
  return `${y}-${pad(m)}-${pad(d)}`;
}

export function isoTime(rng: Rng): string {
  return `${pad(rng.int(0, 23))}:${pad(rng.pick([0, 15, 30, 45, rng.int(0, 59)]))}:${pad(rng.chance(0.7) ? 0 : rng.int(0, 59))}Z`;
}

export function isoDateTime(rng: Rng): string {
  return `${isoDate(rng)}T${isoTime(rng)}`;
}

/** A realistic string for the property name, or undefined when the name says nothing useful. */
export function stringForName(rng: Rng, ctx: NameContext): string | undefined {
  const rule = findRule(ctx.name);
  return rule ? rule.make(rng, ctx, tokenize(ctx.name ?? '')) : undefined;
}

/** Whether the name suggests a text value (used before falling back to a generic phrase). */
export function hasStringRule(name: string | undefined): boolean {
  return findRule(name) !== undefined;
}

const ruleCache = new Map<string, StringRule | null>();

function findRule(name: string | undefined): StringRule | undefined {
  if (!name) return undefined;
  let rule = ruleCache.get(name);
  if (rule === undefined) {
    const t = tokenize(name);
    rule = STRING_RULES.find((r) => r.test(t)) ?? null;
    if (ruleCache.size > 2000) ruleCache.clear();
    ruleCache.set(name, rule);
  }
  return rule ?? undefined;
}

export interface NumberProfile {
  min: number;
  max: number;
  /** Decimal places for non-integer values. */
  decimals: number;
}

const NUMBER_RULES: Array<{ words: string[]; profile: NumberProfile }> = [
  { words: ['latitude', 'lat'], profile: { min: -60, max: 70, decimals: 4 } },
  { words: ['longitude', 'lng', 'lon', 'long'], profile: { min: -180, max: 180, decimals: 4 } },
  { words: ['salary', 'income', 'revenue', 'budget'], profile: { min: 20000, max: 200000, decimals: 0 } },
  {
    words: ['price', 'cost', 'amount', 'total', 'subtotal', 'balance', 'fee', 'fare', 'payment', 'charge', 'tax', 'discount', 'tip', 'usd', 'eur'],
    profile: { min: 1, max: 500, decimals: 2 },
  },
  { words: ['age'], profile: { min: 18, max: 80, decimals: 0 } },
  { words: ['temperature', 'temp', 'celsius', 'fahrenheit'], profile: { min: -5, max: 35, decimals: 1 } },
  { words: ['humidity', 'percent', 'percentage', 'pct'], profile: { min: 0, max: 100, decimals: 0 } },
  { words: ['confidence', 'probability', 'likelihood', 'ratio', 'similarity', 'relevance'], profile: { min: 0, max: 1, decimals: 2 } },
  { words: ['rating', 'stars'], profile: { min: 1, max: 5, decimals: 1 } },
  { words: ['score'], profile: { min: 0, max: 100, decimals: 0 } },
  { words: ['year'], profile: { min: 1995, max: 2026, decimals: 0 } },
  { words: ['month'], profile: { min: 1, max: 12, decimals: 0 } },
  { words: ['day'], profile: { min: 1, max: 28, decimals: 0 } },
  { words: ['hour', 'hours'], profile: { min: 0, max: 23, decimals: 0 } },
  { words: ['minute', 'minutes', 'second', 'seconds'], profile: { min: 0, max: 59, decimals: 0 } },
  { words: ['duration', 'timeout', 'delay', 'interval', 'ttl'], profile: { min: 5, max: 120, decimals: 0 } },
  { words: ['weight', 'kg', 'lbs', 'mass'], profile: { min: 1, max: 100, decimals: 1 } },
  { words: ['height'], profile: { min: 150, max: 200, decimals: 0 } },
  { words: ['distance', 'miles', 'km', 'radius', 'length', 'width', 'depth'], profile: { min: 1, max: 50, decimals: 1 } },
  { words: ['limit', 'results', 'topk', 'top', 'k', 'n', 'size', 'per', 'max'], profile: { min: 3, max: 20, decimals: 0 } },
  { words: ['page'], profile: { min: 1, max: 5, decimals: 0 } },
  { words: ['offset', 'skip', 'index', 'position', 'rank'], profile: { min: 0, max: 50, decimals: 0 } },
  {
    words: [
      'quantity',
      'qty',
      'count',
      'num',
      'number',
      'stock',
      'units',
      'items',
      'copies',
      'guests',
      'people',
      'seats',
      'nights',
      'rooms',
      'tickets',
      'adults',
      'children',
      'passengers',
      'servings',
      'attendees',
      'days',
    ],
    profile: { min: 1, max: 10, decimals: 0 },
  },
  { words: ['zoom', 'level', 'priority', 'version', 'retries', 'attempts'], profile: { min: 1, max: 10, decimals: 0 } },
  { words: ['id'], profile: { min: 1, max: 99999, decimals: 0 } },
];

const PAGE_SIZE_PROFILE: NumberProfile = { min: 5, max: 50, decimals: 0 };
export const DEFAULT_INTEGER_PROFILE: NumberProfile = { min: 1, max: 100, decimals: 0 };
export const DEFAULT_NUMBER_PROFILE: NumberProfile = { min: 0, max: 100, decimals: 2 };

/** The realistic range for a numeric property, matching the last matching token first (`max_price` → price). */
export function numberProfileForName(name: string | undefined): NumberProfile | undefined {
  if (!name) return undefined;
  const t = tokenize(name);
  if (t.joined.includes('pagesize') || t.joined.includes('perpage')) return PAGE_SIZE_PROFILE;
  for (let i = t.list.length - 1; i >= 0; i--) {
    const token = t.list[i] as string;
    const rule = NUMBER_RULES.find((r) => r.words.includes(token));
    if (rule) return rule.profile;
  }
  return undefined;
}

const BOOLEAN_PREFIXES = new Set(['is', 'has', 'can', 'should', 'allow', 'enable', 'include', 'use', 'show', 'was', 'did', 'needs']);
const BOOLEAN_WORDS = new Set([
  'enabled',
  'disabled',
  'active',
  'verified',
  'required',
  'visible',
  'completed',
  'done',
  'success',
  'available',
  'public',
  'private',
  'deleted',
  'archived',
  'confirmed',
  'approved',
  'flag',
  'recursive',
  'strict',
  'force',
  'stream',
]);

export function looksBoolean(name: string | undefined): boolean {
  if (!name) return false;
  const t = tokenize(name);
  return BOOLEAN_PREFIXES.has(t.list[0] ?? '') || BOOLEAN_WORDS.has(t.last);
}
