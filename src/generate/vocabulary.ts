import { faker } from '@faker-js/faker/locale/en';
import type { Rng } from './random.ts';

/**
 * English word and name lists from faker's `en` locale data, drawn with our own Rng. Picking from
 * the lists directly is far cheaper than reseeding faker (tens of microseconds) for every value.
 */

/** The English locale alone: the package's main entry loads every locale (≈ 0.1 s more at start-up). */
const en = faker.rawDefinitions;

/** Locale entries can be missing, null or nested; fall back to a few words of our own. */
function list(values: unknown, fallback: readonly string[]): readonly string[] {
  const strings = Array.isArray(values) ? values.filter((v): v is string => typeof v === 'string') : [];
  return strings.length > 0 ? strings : fallback;
}

const NOUNS = list(en.word?.noun?.filter(isPlainWord), ['item', 'report', 'project']);
const ADJECTIVES = list(en.word?.adjective?.filter(isPlainWord), ['quick', 'bright', 'simple']);
const VERBS = list(en.word?.verb?.filter(isPlainWord), ['review', 'update', 'build']);
const FIRST_NAMES = list(en.person?.first_name?.generic, ['Alex', 'Sam', 'Jordan']);
const LAST_NAMES = list(en.person?.last_name?.generic, ['Smith', 'Lee', 'Garcia']);
const US_CITIES = list(en.location?.city_name, ['Springfield', 'Riverside']);
const COUNTRIES = list(en.location?.country?.filter(isAscii), ['Canada', 'Japan', 'Brazil']);
const STATES = list(en.location?.state, ['California', 'Texas']);
const STREETS = list(en.location?.street_name, ['Main Street', 'Oak Avenue']);
const DEPARTMENTS = list(en.commerce?.department, ['Books', 'Garden']);
const COLORS = list(en.color?.human, ['blue', 'green']);
const BOOK_TITLES = list(en.book?.title?.filter(isAscii), ['The Time Machine']);
const CURRENCIES = list(
  en.finance?.currency?.map((c) => c.code),
  ['USD', 'EUR'],
);
const LANGUAGES = en.location?.language?.filter((l) => isAscii(l.name)) ?? [{ name: 'English', alpha2: 'en', alpha3: 'eng' }];
const EMAIL_DOMAINS = list(en.internet?.free_email, ['gmail.com']);
const DOMAIN_SUFFIXES = list(en.internet?.domain_suffix, ['com', 'org']);
const COMPANY_SUFFIXES = list(en.company?.legal_entity_type, ['Inc', 'LLC']);
const COMPANY_ADJECTIVES = list(en.company?.adjective, ['Adaptive']);
const COMPANY_NOUNS = list(en.company?.noun?.filter(isPlainWord), ['platform']);
const JOB_DESCRIPTORS = list(en.person?.job_descriptor, ['Senior']);
const JOB_AREAS = list(en.person?.job_area, ['Marketing']);
const JOB_TYPES = list(en.person?.job_type, ['Manager']);

/** Well-known world cities, so locations are not all small US towns. */
const WORLD_CITIES = [
  'Tokyo',
  'Paris',
  'London',
  'New York',
  'Berlin',
  'Sydney',
  'Toronto',
  'Madrid',
  'Rome',
  'Amsterdam',
  'Seoul',
  'Singapore',
  'Mumbai',
  'Mexico City',
  'Cairo',
  'Istanbul',
  'Bangkok',
  'Dubai',
  'Chicago',
  'San Francisco',
  'Lisbon',
  'Vienna',
  'Stockholm',
  'Oslo',
  'Nairobi',
  'Buenos Aires',
  'Cape Town',
  'Vancouver',
  'Melbourne',
  'Osaka',
  'Prague',
  'Dublin',
  'Zurich',
  'Austin',
  'Seattle',
  'Boston',
  'Barcelona',
  'Copenhagen',
  'Athens',
  'Lima',
  'Manila',
  'Jakarta',
  'Hanoi',
  'Kyoto',
  'Edinburgh',
] as const;

const CITY_COUNTRY: Record<string, string> = {
  Tokyo: 'Japan',
  Paris: 'France',
  London: 'UK',
  Berlin: 'Germany',
  Sydney: 'Australia',
  Toronto: 'Canada',
  Madrid: 'Spain',
  Rome: 'Italy',
  Amsterdam: 'Netherlands',
  Seoul: 'South Korea',
  Mumbai: 'India',
  Cairo: 'Egypt',
  Lisbon: 'Portugal',
  Vienna: 'Austria',
  Nairobi: 'Kenya',
  Dublin: 'Ireland',
};

function isPlainWord(word: string): boolean {
  return /^[a-z]+$/.test(word);
}

function isAscii(s: string): boolean {
  return /^[\x20-\x7e]+$/.test(s);
}

export const noun = (rng: Rng): string => rng.pick(NOUNS);
export const adjective = (rng: Rng): string => rng.pick(ADJECTIVES);
export const verb = (rng: Rng): string => rng.pick(VERBS);
export const firstName = (rng: Rng): string => rng.pick(FIRST_NAMES);
export const lastName = (rng: Rng): string => rng.pick(LAST_NAMES);
export const fullName = (rng: Rng): string => `${firstName(rng)} ${lastName(rng)}`;
export const country = (rng: Rng): string => rng.pick(COUNTRIES);
export const usState = (rng: Rng): string => rng.pick(STATES);
export const streetName = (rng: Rng): string => rng.pick(STREETS);
export const department = (rng: Rng): string => rng.pick(DEPARTMENTS);
export const color = (rng: Rng): string => rng.pick(COLORS);
export const bookTitle = (rng: Rng): string => rng.pick(BOOK_TITLES);
export const currencyCode = (rng: Rng): string => rng.pick(CURRENCIES);
export const language = (rng: Rng): { name: string; alpha2: string } => rng.pick(LANGUAGES);

export function city(rng: Rng): string {
  return rng.chance(0.6) ? rng.pick(WORLD_CITIES) : rng.pick(US_CITIES);
}

/** "Paris, France" style when the country is known, else the city alone. */
export function location(rng: Rng): string {
  const name = city(rng);
  const land = CITY_COUNTRY[name];
  return land && rng.chance(0.5) ? `${name}, ${land}` : name;
}

export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function withArticle(word: string): string {
  return /^[aeiou]/i.test(word) ? `an ${word}` : `a ${word}`;
}

export function titleCase(s: string): string {
  return s.replace(/\b[a-z]/g, (c) => c.toUpperCase());
}

export function words(rng: Rng, count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(i % 2 === 0 ? noun(rng) : adjective(rng));
  return out.join(' ');
}

export function companyName(rng: Rng): string {
  const last = lastName(rng);
  return rng.chance(0.5) ? `${last} ${rng.pick(COMPANY_SUFFIXES)}` : `${last} ${capitalize(rng.pick(COMPANY_NOUNS))}s`;
}

export function jobTitle(rng: Rng): string {
  return `${rng.pick(JOB_DESCRIPTORS)} ${rng.pick(JOB_AREAS)} ${rng.pick(JOB_TYPES)}`;
}

export function productName(rng: Rng): string {
  return titleCase(`${adjective(rng)} ${rng.pick(COMPANY_ADJECTIVES).toLowerCase()} ${noun(rng)}`);
}

export function titlePhrase(rng: Rng): string {
  const forms = [
    () => titleCase(`${adjective(rng)} ${noun(rng)}`),
    () => titleCase(`the ${adjective(rng)} ${noun(rng)}`),
    () => titleCase(`${noun(rng)} ${noun(rng)} review`),
    () => bookTitle(rng),
  ];
  return rng.pick(forms)();
}

/** A short, grammatical English sentence. */
export function sentence(rng: Rng): string {
  const forms = [
    () => `The ${adjective(rng)} ${noun(rng)} needs ${withArticle(adjective(rng))} ${noun(rng)}.`,
    () => `We should ${verb(rng)} the ${noun(rng)} before the ${noun(rng)} arrives.`,
    () => `This ${noun(rng)} is ${adjective(rng)} and easy to ${verb(rng)}.`,
    () => `${capitalize(withArticle(adjective(rng)))} ${noun(rng)} for every ${noun(rng)}.`,
    () => `Remember to ${verb(rng)} the ${adjective(rng)} ${noun(rng)}.`,
    () => `${capitalize(rng.pick(COMPANY_ADJECTIVES))} ${rng.pick(COMPANY_NOUNS)} for ${adjective(rng)} teams.`,
  ];
  return rng.pick(forms)();
}

export function paragraph(rng: Rng): string {
  const count = rng.int(1, 3);
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(sentence(rng));
  return out.join(' ');
}

export function emailFor(rng: Rng, first = firstName(rng), last = lastName(rng)): string {
  const local = `${first}.${last}`.toLowerCase().replace(/[^a-z0-9.]/g, '');
  return `${local || 'user'}${rng.chance(0.3) ? rng.int(1, 99) : ''}@${rng.pick(EMAIL_DOMAINS)}`;
}

export function domainName(rng: Rng): string {
  const base = rng.chance(0.5) ? lastName(rng) : `${adjective(rng)}-${noun(rng)}`;
  return `${base.toLowerCase().replace(/[^a-z0-9-]/g, '')}.${rng.pick(DOMAIN_SUFFIXES)}`;
}

export function url(rng: Rng): string {
  const path = rng.chance(0.6) ? `/${noun(rng)}${rng.chance(0.4) ? `/${rng.int(1, 999)}` : ''}` : '/';
  return `https://www.${domainName(rng)}${path}`;
}

export function username(rng: Rng): string {
  const first = firstName(rng)
    .toLowerCase()
    .replace(/[^a-z]/g, '');
  const forms = [() => `${first}${rng.int(1, 999)}`, () => `${first}_${noun(rng)}`, () => `${first}.${lastName(rng).toLowerCase()}`];
  return rng
    .pick(forms)()
    .replace(/[^a-z0-9_.]/g, '');
}

export function phoneNumber(rng: Rng): string {
  const digits = (n: number) => Array.from({ length: n }, () => rng.int(0, 9)).join('');
  return rng.chance(0.5) ? `+1-${rng.int(200, 989)}-${digits(3)}-${digits(4)}` : `(${rng.int(200, 989)}) ${digits(3)}-${digits(4)}`;
}

export function streetAddress(rng: Rng): string {
  return `${rng.int(1, 9999)} ${streetName(rng)}`;
}

export function postalCode(rng: Rng): string {
  return String(rng.int(10000, 99999));
}

export function alphanumeric(rng: Rng, length: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet.charAt(rng.int(0, alphabet.length - 1));
  return s;
}

export function uuid(rng: Rng): string {
  const hex = (n: number) => alphanumeric(rng, n, '0123456789abcdef');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${rng.pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
}
