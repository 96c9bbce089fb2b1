import { defineConfig } from 'vitest/config';

/**
 * Tests that judge how promptly the node answers while it does its heaviest work. They run after
 * every other file, one at a time, so that other test files do not take the cores they measure
 * (README: the suite must hold with another process keeping one core busy).
 */
const RUN_ALONE = ['test/e2e/event-loop.test.ts', 'test/e2e/audio-long-speech.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], exclude: RUN_ALONE } },
      { extends: true, test: { name: 'alone', include: RUN_ALONE, sequence: { groupOrder: 1 }, maxWorkers: 1, fileParallelism: false } },
    ],
  },
});
