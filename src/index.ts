export { startMockNode, type MockNode, type MockNodeOptions } from './node/server.ts';
export { loadScenario, lintScenario, ScenarioError, type ScenarioInput, type ScenarioProblem } from './scenario/loader.ts';
export { scenarioJsonSchema } from './scenario/schema.ts';
export type { Scenario, ModelSpec, KeySpec, StreamSpec } from './scenario/types.ts';
export { runConformance, type RunOptions } from './conformance/runner.ts';
