/** Every check, in the stable order the runner runs them. */
import type { Check } from '../types.ts';
import { audioChecks } from './audio.ts';
import { billingChecks } from './billing.ts';
import { chatChecks } from './chat.ts';
import { embeddingsChecks } from './embeddings.ts';
import { errorsChecks } from './errors.ts';
import { imagesChecks } from './images.ts';
import { infoChecks } from './info.ts';
import { modelsChecks } from './models.ts';
import { streamChecks } from './stream.ts';
import { toolsChecks } from './tools.ts';
import { xcashuChecks } from './xcashu.ts';

// X-Cashu checks come before any check that sends the key as Bearer: with a Cashu token as
// --key, a real node turns the token into an account the first time it sees it as Bearer.
export const ALL_CHECKS: readonly Check[] = [
  ...infoChecks,
  ...modelsChecks,
  ...errorsChecks,
  ...xcashuChecks,
  ...chatChecks,
  ...streamChecks,
  ...toolsChecks,
  ...embeddingsChecks,
  ...imagesChecks,
  ...audioChecks,
  ...billingChecks,
];
