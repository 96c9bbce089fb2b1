/** Every check, in the stable order the runner runs them. */
import type { Check } from '../types.ts';
import { errorsChecks } from './errors.ts';
import { infoChecks } from './info.ts';
import { modelsChecks } from './models.ts';

export const ALL_CHECKS: readonly Check[] = [...infoChecks, ...modelsChecks, ...errorsChecks];
