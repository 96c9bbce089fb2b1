import { describe, it, expect } from 'vitest';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import { Rng } from '../../src/generate/random.ts';
import { jsonObjectForPrompt, valueFromSchema } from '../../src/generate/json-schema-value.ts';

// ajv-formats is CommonJS; its function is the module itself and also its `default` property.
const addFormats = formatsModule.default;

const ajv2020 = addFormats(new Ajv2020({ strict: false, allErrors: false }));
const ajv07 = addFormats(new Ajv({ strict: false, allErrors: false }));

const SEEDS = 200;

type Schema = Record<string, unknown> | boolean;

function expectValidForManySeeds(schema: Schema, draft: '2020' | '07' = '2020', text?: string): void {
  const validate = (draft === '2020' ? ajv2020 : ajv07).compile(schema);
  for (let seed = 0; seed < SEEDS; seed++) {
    const value = valueFromSchema(schema, new Rng(seed), { text });
    if (!validate(value)) {
      throw new Error(`seed ${seed}: ${JSON.stringify(value)} is invalid: ${JSON.stringify(validate.errors)} for ${JSON.stringify(schema)}`);
    }
  }
}

const getWeather = {
  type: 'object',
  properties: {
    location: { type: 'string', description: 'City and country e.g. Bogotá, Colombia' },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
  },
  required: ['location'],
};

/** OpenAI structured-outputs style: everything required, closed objects, nullable via anyOf/type arrays. */
const strictCustomer = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'email', 'nickname', 'address', 'orders', 'status', 'manager'],
  properties: {
    name: { type: 'string' },
    email: { type: 'string', format: 'email' },
    nickname: { type: ['string', 'null'] },
    address: {
      type: 'object',
      additionalProperties: false,
      required: ['street', 'city', 'zip', 'country'],
      properties: {
        street: { type: 'string' },
        city: { type: 'string' },
        zip: { type: 'string', pattern: '^\\d{5}$' },
        country: { anyOf: [{ type: 'string' }, { type: 'null' }] },
      },
    },
    orders: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'price', 'quantity', 'created_at', 'tags'],
        properties: {
          id: { type: 'string' },
          price: { type: 'number' },
          quantity: { type: 'integer' },
          created_at: { type: 'string', format: 'date-time' },
          tags: { type: 'array', items: { type: 'string' } },
        },
      },
    },
    status: { type: 'string', enum: ['active', 'suspended'] },
    manager: { anyOf: [{ $ref: '#/$defs/person' }, { type: 'null' }] },
  },
  $defs: {
    person: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'reports'],
      properties: {
        name: { type: 'string' },
        reports: { type: 'array', items: { $ref: '#/$defs/person' } },
      },
    },
  },
};

const linkedList = {
  type: 'object',
  additionalProperties: false,
  required: ['head'],
  properties: { head: { $ref: '#/$defs/node' } },
  $defs: {
    node: {
      type: 'object',
      additionalProperties: false,
      required: ['value', 'next'],
      properties: {
        value: { type: 'number' },
        next: { anyOf: [{ $ref: '#/$defs/node' }, { type: 'null' }] },
      },
    },
  },
};

/** The recursive UI example from the OpenAI structured-outputs guide, with `#` root recursion. */
const uiComponent = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'label', 'children', 'attributes'],
  properties: {
    type: { type: 'string', enum: ['div', 'button', 'header', 'section', 'field', 'form'] },
    label: { type: 'string' },
    children: { type: 'array', items: { $ref: '#' } },
    attributes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'value'],
        properties: { name: { type: 'string' }, value: { type: 'string' } },
      },
    },
  },
};

const mathReasoning = {
  type: 'object',
  additionalProperties: false,
  required: ['steps', 'final_answer'],
  properties: {
    steps: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['explanation', 'output'],
        properties: { explanation: { type: 'string' }, output: { type: 'string' } },
      },
    },
    final_answer: { type: 'string' },
  },
};

const numericSchemas: Schema[] = [
  { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
  { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 0.001 },
  { type: 'number', multipleOf: 0.5, minimum: -3, maximum: 3 },
  { type: 'number', multipleOf: 0.1, minimum: 0, maximum: 2 },
  { type: 'number', multipleOf: 0.01 },
  { type: 'integer', minimum: 7, maximum: 7 },
  { type: 'integer', exclusiveMinimum: 4, exclusiveMaximum: 6 },
  { type: 'integer', multipleOf: 7, minimum: 100 },
  { type: 'integer', multipleOf: 0.5, minimum: 1, maximum: 3 },
  { type: 'integer', maximum: -1000 },
  { type: 'number', minimum: 1e6 },
  { type: 'integer', format: 'int32' },
  { type: 'number', minimum: 2.5, maximum: 2.5 },
  {
    type: 'object',
    required: ['price', 'age', 'temperature', 'latitude', 'rating', 'count'],
    properties: {
      price: { type: 'number', minimum: 0, exclusiveMaximum: 10 },
      age: { type: 'integer', minimum: 100 },
      temperature: { type: 'number', maximum: -50 },
      latitude: { type: 'number', minimum: -90, maximum: 90 },
      rating: { type: 'integer', minimum: 1, maximum: 10 },
      count: { type: 'integer', exclusiveMinimum: 0, multipleOf: 3 },
    },
  },
];

const stringSchemas: Schema[] = [
  { type: 'string', minLength: 3, maxLength: 5 },
  { type: 'string', minLength: 40 },
  { type: 'string', maxLength: 2 },
  { type: 'string', minLength: 7, maxLength: 7 },
  { type: 'string', pattern: '^[A-Z]{3}-\\d{4}$' },
  { type: 'string', pattern: '^(foo|bar)_[a-z]{2,4}(-\\d+)?$' },
  { type: 'string', pattern: '^\\+?[1-9]\\d{1,14}$' },
  { type: 'string', pattern: '^#[0-9a-fA-F]{6}$' },
  { type: 'string', pattern: '^\\p{Lu}\\p{Ll}+$' },
  { type: 'string', pattern: '^(\\w+)-\\1$' },
  { type: 'string', pattern: '^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$' },
  { type: 'string', pattern: '^(?:[01]\\d|2[0-3]):[0-5]\\d$' },
  { type: 'string', pattern: '[aeiou]{2}' },
  { type: 'string', pattern: '^[a-z]+$', minLength: 10, maxLength: 12 },
  { type: 'string', pattern: '^(?!admin)[a-z]{3,8}$' },
  ...[
    'date-time',
    'date',
    'time',
    'email',
    'uri',
    'url',
    'uuid',
    'ipv4',
    'ipv6',
    'hostname',
    'duration',
    'uri-reference',
    'json-pointer',
    'relative-json-pointer',
    'regex',
    'byte',
    'uri-template',
  ].map((format) => ({ type: 'string', format })),
  { type: 'string', format: 'email', maxLength: 40 },
  {
    type: 'object',
    additionalProperties: false,
    required: ['website', 'contact_email', 'sku', 'city', 'code'],
    properties: {
      website: { type: 'string', format: 'uri' },
      contact_email: { type: 'string', format: 'email' },
      sku: { type: 'string', pattern: '^SKU-[0-9]{6}$' },
      city: { type: 'string', maxLength: 4 },
      code: { type: 'string', minLength: 2, maxLength: 2 },
    },
  },
];

const compositionSchemas: Schema[] = [
  { oneOf: [{ type: 'integer' }, { type: 'number', minimum: 0 }] },
  {
    oneOf: [
      { type: 'string', maxLength: 5 },
      { type: 'string', minLength: 3 },
    ],
  },
  { type: 'integer', minimum: 1, maximum: 100, oneOf: [{ multipleOf: 3 }, { multipleOf: 5 }] },
  {
    oneOf: [
      { type: 'object', required: ['kind', 'a'], properties: { kind: { const: 'a' }, a: { type: 'string' } } },
      { type: 'object', required: ['kind', 'b'], properties: { kind: { const: 'b' }, b: { type: 'number' } } },
    ],
  },
  {
    oneOf: [
      { type: 'object', properties: { email: { type: 'string' } }, required: ['email'] },
      { type: 'object', properties: { phone: { type: 'string' } }, required: ['phone'] },
    ],
  },
  {
    anyOf: [
      { type: 'string', format: 'date' },
      { type: 'integer', minimum: 1970 },
    ],
  },
  {
    allOf: [
      { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
      { properties: { b: { type: 'integer', minimum: 5 } }, required: ['b'] },
      { properties: { a: { maxLength: 4 } } },
    ],
  },
  {
    allOf: [
      { type: 'object', properties: { id: { type: 'string' } }, required: ['id'], additionalProperties: false },
      { properties: { extra: { type: 'string' } } },
    ],
  },
  { allOf: [{ type: 'string', pattern: '^[a-z]+$' }, { pattern: 'q' }] },
  { allOf: [{ type: 'integer', multipleOf: 4 }, { multipleOf: 6 }, { minimum: 10, maximum: 100 }] },
  { type: 'integer', minimum: 1, maximum: 5, not: { enum: [1, 2, 3] } },
  { type: 'string', not: { pattern: '^[a-m]' } },
  { not: { type: ['object', 'array', 'string'] } },
  {
    type: 'object',
    required: ['country', 'postal_code'],
    properties: { country: { enum: ['US', 'CA'] }, postal_code: { type: 'string' } },
    if: { properties: { country: { const: 'US' } } },
    then: { properties: { postal_code: { pattern: '^\\d{5}$' } } },
    else: { properties: { postal_code: { pattern: '^[A-Z]\\d[A-Z] \\d[A-Z]\\d$' } } },
  },
  { $ref: '#/$defs/tag', $defs: { tag: { $anchor: 'tagAnchor', type: 'string', maxLength: 8 } } },
  { type: 'array', items: { $ref: '#tagAnchor' }, $defs: { tag: { $anchor: 'tagAnchor', type: 'string', enum: ['x', 'y'] } } },
];

const enumAndTypeSchemas: Schema[] = [
  { enum: [1, 'two', null, true, { a: 1 }, [1, 2]] },
  { const: { x: [1, 'y'], z: null } },
  { type: 'string', enum: ['a', 1, 'b', null] },
  { type: 'object', required: ['kind'], properties: { kind: { const: 'event' }, version: { const: 2 } } },
  { type: ['string', 'number', 'null'] },
  { type: ['integer', 'boolean'] },
  { type: ['object', 'array'], items: { type: 'integer' }, properties: { a: { type: 'boolean' } }, required: ['a'] },
  { type: 'object', properties: { score: { type: ['number', 'string'], minimum: 3, maxLength: 3 } }, required: ['score'] },
];

const arrayAndObjectSchemas: Schema[] = [
  { type: 'array', items: { enum: ['red', 'green', 'blue'] }, minItems: 3, maxItems: 3, uniqueItems: true },
  { type: 'array', items: { type: 'boolean' }, uniqueItems: true, maxItems: 2 },
  { type: 'array', items: { type: 'integer', minimum: 0, maximum: 9 }, minItems: 5, maxItems: 8, uniqueItems: true },
  { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }], items: false },
  { type: 'array', prefixItems: [{ const: 'header' }], items: { type: 'number' }, minItems: 3 },
  { type: 'array', items: { type: 'integer' }, contains: { minimum: 1000 }, minContains: 2 },
  { type: 'array', maxItems: 0 },
  { type: 'array', minItems: 4 },
  { type: 'object', minProperties: 3, maxProperties: 4, properties: { a: { type: 'string' } } },
  {
    type: 'object',
    additionalProperties: false,
    minProperties: 2,
    patternProperties: { '^x-[a-z]+$': { type: 'integer' } },
  },
  { type: 'object', propertyNames: { pattern: '^[a-z]{3,6}$' }, minProperties: 2 },
  { type: 'object', additionalProperties: { type: 'number', minimum: 0 } },
  {
    type: 'object',
    properties: { credit_card: { type: 'string' }, billing_address: { type: 'string' }, name: { type: 'string' } },
    dependentRequired: { credit_card: ['billing_address'] },
  },
  { type: 'object', maxProperties: 1, properties: { a: { type: 'string' }, b: { type: 'string' }, c: { type: 'string' } } },
  { type: 'object', properties: { forbidden: false, ok: { type: 'string' } } },
  { type: 'object', properties: {}, additionalProperties: false },
];

const draft07Schemas: Schema[] = [
  {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    required: ['pair', 'owner'],
    properties: {
      pair: { type: 'array', items: [{ type: 'string' }, { type: 'number' }], additionalItems: false },
      owner: { $ref: '#/definitions/user' },
      tree: { $ref: '#' },
    },
    definitions: {
      user: {
        type: 'object',
        required: ['username', 'email'],
        properties: { username: { type: 'string', minLength: 3 }, email: { type: 'string', format: 'email' } },
      },
    },
  },
  { type: 'number', exclusiveMinimum: 5, exclusiveMaximum: 5.5 },
  { type: 'array', items: { type: 'string', format: 'date' }, minItems: 1, uniqueItems: true },
];

describe('valueFromSchema validity', () => {
  it('generates valid get_weather arguments', () => {
    expectValidForManySeeds(getWeather);
    expectValidForManySeeds(getWeather, '2020', "What's the weather in Tokyo?");
  });

  it.each([
    ['strict customer', strictCustomer],
    ['linked list', linkedList],
    ['recursive UI', uiComponent],
    ['math reasoning', mathReasoning],
  ])('generates valid OpenAI strict-style values: %s', (_name, schema) => {
    expectValidForManySeeds(schema);
  });

  it.each(numericSchemas.map((s) => [JSON.stringify(s), s]))('respects numeric constraints: %s', (_name, schema) => {
    expectValidForManySeeds(schema);
  });

  it.each(stringSchemas.map((s) => [JSON.stringify(s), s]))('respects string constraints: %s', (_name, schema) => {
    expectValidForManySeeds(schema);
  });

  it.each(compositionSchemas.map((s) => [JSON.stringify(s), s]))('handles composition: %s', (_name, schema) => {
    expectValidForManySeeds(schema);
  });

  it.each(enumAndTypeSchemas.map((s) => [JSON.stringify(s), s]))('handles enum, const and type arrays: %s', (_name, schema) => {
    expectValidForManySeeds(schema);
  });

  it.each(arrayAndObjectSchemas.map((s) => [JSON.stringify(s), s]))('handles array and object keywords: %s', (_name, schema) => {
    expectValidForManySeeds(schema);
  });

  it.each(draft07Schemas.map((s) => [JSON.stringify(s), s]))('handles draft-07 schemas: %s', (_name, schema) => {
    expectValidForManySeeds(schema, '07');
  });
});

describe('valueFromSchema behaviour', () => {
  it('is deterministic for the same seed, schema and text', () => {
    for (const schema of [getWeather, strictCustomer, uiComponent, linkedList]) {
      for (let seed = 0; seed < 20; seed++) {
        const a = valueFromSchema(schema, new Rng(seed), { text: 'Weather in Paris please' });
        const b = valueFromSchema(schema, new Rng(seed), { text: 'Weather in Paris please' });
        expect(b).toEqual(a);
      }
    }
  });

  it('varies with the seed', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 50; seed++) seen.add(JSON.stringify(valueFromSchema(strictCustomer, new Rng(seed))));
    expect(seen.size).toBe(50);
    const locations = new Set<unknown>();
    for (let seed = 0; seed < 50; seed++) {
      locations.add((valueFromSchema(getWeather, new Rng(seed)) as { location: unknown }).location);
    }
    expect(locations.size).toBeGreaterThan(10);
  });

  it('takes the location from the prompt', () => {
    for (let seed = 0; seed < 20; seed++) {
      const args = valueFromSchema(getWeather, new Rng(seed), { text: "What's the weather in Tokyo?" }) as Record<string, unknown>;
      expect(args.location).toBe('Tokyo');
    }
    const nested = {
      type: 'object',
      required: ['trip'],
      properties: {
        trip: { type: 'object', required: ['destination'], properties: { destination: { type: 'string' } } },
      },
    };
    const trip = valueFromSchema(nested, new Rng(3), { text: 'Plan a weekend trip to New York' }) as { trip: { destination: string } };
    expect(trip.trip.destination).toBe('New York');
  });

  it('drops a hint that would break the schema', () => {
    const short = { type: 'object', required: ['city'], properties: { city: { type: 'string', maxLength: 3 } } };
    const value = valueFromSchema(short, new Rng(1), { text: 'Weather in Tokyo' }) as { city: string };
    expect(value.city.length).toBeLessThanOrEqual(3);
    const listed = { type: 'object', required: ['city'], properties: { city: { enum: ['Paris', 'Rome'] } } };
    expect(['Paris', 'Rome']).toContain((valueFromSchema(listed, new Rng(1), { text: 'Weather in Tokyo' }) as { city: string }).city);
  });

  it('uses the prompt for query-like properties and mentioned enum members', () => {
    const search = {
      type: 'object',
      required: ['query', 'unit'],
      properties: { query: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    };
    for (let seed = 0; seed < 10; seed++) {
      const value = valueFromSchema(search, new Rng(seed), {
        text: 'Search the web for hiking trails near Denver, in fahrenheit',
      }) as Record<string, string>;
      expect(value.query).toContain('hiking trails');
      expect(value.unit).toBe('fahrenheit');
    }
  });

  it('picks realistic values by property name', () => {
    const person = {
      type: 'object',
      additionalProperties: false,
      required: ['email', 'first_name', 'age', 'created_at', 'website'],
      properties: {
        email: { type: 'string' },
        first_name: { type: 'string' },
        age: { type: 'integer' },
        created_at: { type: 'string' },
        website: { type: 'string' },
      },
    };
    const value = valueFromSchema(person, new Rng(5)) as Record<string, unknown>;
    expect(value.email).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]+$/);
    expect(value.first_name).toMatch(/^[A-Z][a-z]+/);
    expect(value.age).toBeGreaterThanOrEqual(18);
    expect(value.age).toBeLessThanOrEqual(80);
    expect(value.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(value.website).toMatch(/^https:\/\//);
  });

  it('includes most optional properties', () => {
    let included = 0;
    for (let seed = 0; seed < 100; seed++) {
      if ('unit' in (valueFromSchema(getWeather, new Rng(seed)) as object)) included++;
    }
    expect(included).toBeGreaterThan(60);
    expect(included).toBeLessThan(100);
  });

  it.each([
    ['empty', {}],
    ['true', true],
    ['false', false],
    ['unknown keywords', { frobnicate: 3, 'x-vendor': { a: 1 } }],
    ['object without properties', { type: 'object' }],
    ['unknown type', { type: 'nonsense' }],
    ['dangling ref', { $ref: '#/$defs/missing' }],
    ['remote ref', { $ref: 'https://example.com/schema.json' }],
    ['self ref', { $ref: '#' }],
    ['allOf self ref', { allOf: [{ $ref: '#' }] }],
    ['required infinite recursion', { type: 'object', required: ['x'], properties: { x: { $ref: '#' } } }],
    ['null', null],
    ['number', 42],
    ['string', 'string'],
    ['array', []],
    ['bad properties', { properties: 5, required: 'x' }],
    ['bad items', { items: 'x', minItems: -1 }],
    ['empty enum', { enum: [] }],
    ['invalid pattern', { type: 'string', pattern: '(unclosed' }],
    ['bad bounds', { minimum: 'abc', maximum: null, multipleOf: 0 }],
    ['contradiction', { type: 'string', minLength: 10, maxLength: 2 }],
    ['empty type list', { type: [] }],
    ['draft-04 exclusive bounds', { type: 'number', minimum: 1, exclusiveMinimum: true, maximum: 2, exclusiveMaximum: true }],
  ])('does not throw on a weird schema: %s', (_name, schema) => {
    for (let seed = 0; seed < 20; seed++) {
      expect(() => JSON.stringify(valueFromSchema(schema, new Rng(seed)))).not.toThrow();
    }
  });

  it('gives simple values for schemas that allow anything', () => {
    const value = valueFromSchema({}, new Rng(1));
    expect(['string', 'number', 'boolean']).toContain(typeof value);
    const free = valueFromSchema({ type: 'object' }, new Rng(1));
    expect(free).toBeTypeOf('object');
    expect(Object.keys(free as object).length).toBeGreaterThan(0);
  });

  it('handles draft-04 boolean exclusive bounds', () => {
    for (let seed = 0; seed < 50; seed++) {
      const value = valueFromSchema({ type: 'integer', minimum: 1, exclusiveMinimum: true, maximum: 3, exclusiveMaximum: true }, new Rng(seed));
      expect(value).toBe(2);
    }
  });
});

describe('jsonObjectForPrompt', () => {
  const prompt = 'Give me a short summary of the French revolution and its causes as JSON';

  it('returns 3-6 keys of simple JSON values related to the prompt', () => {
    for (let seed = 0; seed < 50; seed++) {
      const value = jsonObjectForPrompt(new Rng(seed), prompt);
      const keys = Object.keys(value);
      expect(keys.length).toBeGreaterThanOrEqual(3);
      expect(keys.length).toBeLessThanOrEqual(6);
      expect(JSON.stringify(value)).toMatch(/revolution/i);
      expect(keys).toContain('french_revolution');
      for (const v of Object.values(value)) {
        expect(['string', 'number', 'boolean'].includes(typeof v) || Array.isArray(v)).toBe(true);
      }
    }
  });

  it('is deterministic and varies with the seed', () => {
    expect(jsonObjectForPrompt(new Rng(9), prompt)).toEqual(jsonObjectForPrompt(new Rng(9), prompt));
    const seen = new Set<string>();
    for (let seed = 0; seed < 20; seed++) seen.add(JSON.stringify(jsonObjectForPrompt(new Rng(seed), prompt)));
    expect(seen.size).toBeGreaterThan(10);
  });

  it('copes with an empty prompt', () => {
    const value = jsonObjectForPrompt(new Rng(1), '');
    expect(Object.keys(value).length).toBeGreaterThanOrEqual(3);
  });
});
