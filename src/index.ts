import { loadTokenizers } from './generate/tokens.ts';

export { startMockNode, type MockNode, type MockNodeOptions } from './node/server.ts';
export { loadScenario, lintScenario, ScenarioError, type ScenarioInput, type ScenarioProblem } from './scenario/loader.ts';
export { scenarioJsonSchema } from './scenario/schema.ts';
export type { Scenario, ModelSpec, KeySpec, StreamSpec } from './scenario/types.ts';
export { runConformance, type RunOptions } from './conformance/runner.ts';
export { startRecorder, type Recorder, type RecorderOptions } from './record/proxy.ts';
export { fingerprintRequest, type Fingerprint } from './record/fingerprint.ts';
export type { Coverage, UnmatchedRequest } from './record/coverage.ts';
export type { ReplayOptions } from './node/server.ts';
export type { RequestTimeouts } from './node/app.ts';

// In-process users (test suites) pay for the tokenizer tables once, at import, so the first request
// of a test is as fast as the others. The CLI reads each table on first use instead: `serve`
// answers sooner, and a table a scenario never needs is never read.
loadTokenizers();
