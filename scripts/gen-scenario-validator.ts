// Writes src/scenario/scenario-validator.generated.js, the scenario schema compiled ahead of time
// by ajv (see src/scenario/validator-source.ts). Run after changing src/scenario/schema.ts or
// upgrading ajv: npm run gen:validator
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GENERATED_VALIDATOR_URL, scenarioValidatorSource } from '../src/scenario/validator-source.ts';

writeFileSync(GENERATED_VALIDATOR_URL, scenarioValidatorSource());
console.log(`wrote ${fileURLToPath(GENERATED_VALIDATOR_URL)}`);
