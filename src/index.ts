export { startMockNode, type MockNode, type MockNodeOptions } from './node/server.ts';
export { loadScenario, lintScenario, ScenarioError, type ScenarioInput, type ScenarioProblem } from './scenario/loader.ts';
export { scenarioJsonSchema } from './scenario/schema.ts';
export type { Scenario, ModelSpec, KeySpec, StreamSpec } from './scenario/types.ts';
export { runConformance, type RunOptions } from './conformance/runner.ts';
export { startRecorder, type Recorder, type RecorderOptions } from './record/proxy.ts';
export { fingerprintRequest, type Fingerprint } from './record/fingerprint.ts';
export type { Coverage, UnmatchedRequest } from './record/coverage.ts';
export type { ReplayOptions } from './node/server.ts';
