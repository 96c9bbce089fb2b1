import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * YAML parsed on a worker thread. Parsing and composing a big scenario holds a thread for a long
 * time (a 2.4 MB recording of 2000 rules ~0.2 s, 25 MB ~5 s): on the node's own thread that would
 * stall every client, paced stream and control-plane call meanwhile. The worker runs the same
 * `yaml` calls as the loader (parseDocument with a LineCounter, then toJS) and hands back the value
 * (structured clone: Infinity, NaN, Maps and Sets survive, as from toJS) or the YAML errors with
 * their positions.
 */

export interface YamlProblem {
  line: number;
  col: number;
  message: string;
}

export type ParsedYaml = { value: unknown } | { problems: YamlProblem[] };

const YAML_ENTRY = createRequire(import.meta.url).resolve('yaml');

// CommonJS, so it runs as it is wherever the node runs (tsx, the esbuild bundle, vitest).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { LineCounter, parseDocument } = require(workerData.yaml);
try {
  const lineCounter = new LineCounter();
  const doc = parseDocument(workerData.text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const at = (offset) => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, col: pos.col };
  };
  if (doc.errors.length > 0) {
    parentPort.postMessage({ problems: doc.errors.map((e) => ({ ...at(e.pos[0]), message: e.message.split('\\n')[0] ?? e.message })) });
  } else {
    parentPort.postMessage({ value: doc.toJS() });
  }
} catch (err) {
  parentPort.postMessage({ thrown: { name: err && err.name, message: String(err && err.message) } });
}
`;

/** `parseDocument(text).toJS()` (or its errors) computed on a worker thread. Rejects with what toJS threw (an alias to an unknown anchor). */
export function parseYamlOffThread(text: string): Promise<ParsedYaml> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { yaml: YAML_ENTRY, text } });
    worker.once('message', (message: ParsedYaml | { thrown: { name?: string; message: string } }) => {
      if ('thrown' in message) {
        const error = message.thrown.name === 'ReferenceError' ? new ReferenceError(message.thrown.message) : new Error(message.thrown.message);
        reject(error);
      } else {
        resolve(message);
      }
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the YAML worker stopped (exit code ${code}) before it answered`)));
  });
}
