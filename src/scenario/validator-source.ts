/**
 * Generates `scenario-validator.generated.js`: the scenario schema compiled by ajv ahead of time, so
 * loading a scenario needs neither ajv nor the ~30 ms compile. Used by `npm run gen:validator`
 * (scripts/gen-scenario-validator.ts) and by the test that fails when the committed file is stale.
 * The loader must never import this module: it imports ajv.
 */

import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { scenarioJsonSchema } from './schema.ts';

export const GENERATED_VALIDATOR_URL = new URL('./scenario-validator.generated.js', import.meta.url);

/**
 * The options the schema is compiled with. The schema is ours and fixed: checking it against the
 * meta-schema would only slow things down. `lines` only puts the generated code on several lines.
 */
function scenarioAjv(code: { source: true; esm: true; lines: true } | undefined = undefined): Ajv2020 {
  return new Ajv2020({ allErrors: true, strict: false, validateSchema: false, ...(code ? { code } : {}) });
}

/** The validator compiled at run time, as the loader did before the precompiled one: for comparison in tests. */
export function compileScenarioValidator(): ValidateFunction {
  return scenarioAjv().compile(scenarioJsonSchema);
}

const HEADER = `// GENERATED FILE, DO NOT EDIT. The scenario JSON Schema (src/scenario/schema.ts) compiled by ajv's
// standalone code generation (src/scenario/validator-source.ts). Regenerate after changing the schema
// or upgrading ajv: npm run gen:validator (npx tsx scripts/gen-scenario-validator.ts).
// test/unit/scenario-validator.test.ts fails while this file is stale.
`;

/**
 * The contents of `scenario-validator.generated.js`. ajv's ES module output still reaches its
 * runtime helpers (ucs2length, equal, uri) with `require("ajv/dist/runtime/<name>").default`, and an
 * ES module has no `require`: each helper becomes an `import` of its module instead. Those modules
 * are CommonJS with `__esModule` set, and the default import differs: Node and esbuild give
 * module.exports, vite (vitest) gives its `default` already; the helper is taken from either.
 */
export function scenarioValidatorSource(): string {
  const ajv = scenarioAjv({ source: true, esm: true, lines: true });
  // A CommonJS module: under Node's ES module rules the default import is its module.exports.
  const code = standaloneCode.default(ajv, ajv.compile(scenarioJsonSchema));
  const helpers = new Map<string, string>();
  const body = code.replace(/require\("ajv\/dist\/runtime\/([A-Za-z0-9_]+)"\)\.default/g, (_match: string, helper: string) => {
    const name = `ajvRuntime_${helper}`;
    const module = `ajvRuntimeModule_${helper}`;
    helpers.set(name, `import ${module} from 'ajv/dist/runtime/${helper}.js';\nconst ${name} = ${module}.__esModule ? ${module}.default : ${module};\n`);
    return name;
  });
  if (/\brequire\s*\(/.test(body)) throw new Error('ajv standalone code has a require() that is not an ajv runtime helper: handle it in validator-source.ts');
  return `${HEADER}${[...helpers.values()].join('')}${body.replace(/^"use strict";\n?/, '')}${body.endsWith('\n') ? '' : '\n'}`;
}
