import { type FSWatcher, watch } from 'node:fs';
import { ScenarioError } from '../scenario/loader.ts';
import type { MockNode } from './server.ts';

/**
 * Reloads a scenario file when it changes. An invalid new version is refused with its problems,
 * and the node keeps serving the previous scenario.
 */
export function watchScenario(node: MockNode, file: string, log: (line: string) => void): FSWatcher {
  let timer: NodeJS.Timeout | undefined;
  const reload = () => {
    try {
      const s = node.loadScenario(file);
      log(`scenario reloaded: "${s.name}" (seed ${s.seed}, ${s.models.length} models, ${s.rules.length} rules)`);
    } catch (err) {
      if (!(err instanceof ScenarioError)) throw err;
      log(`scenario not reloaded, keeping the previous one:\n${err.message}`);
    }
  };
  // Editors write files in several steps; wait until the writes settle.
  return watch(file, () => {
    clearTimeout(timer);
    timer = setTimeout(reload, 100);
  });
}
