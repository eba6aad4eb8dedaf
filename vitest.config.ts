import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Random order catches tests that lean on each other's leftovers.
    sequence: { shuffle: true },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the CPUs: a single worker on our 2-core machines,
    // which ran the suite serially (674 s). Much of each test waits on HTTP or a child process, so
    // one worker per CPU (at least 2) keeps both cores busy: the suite passes in 827 s even with
    // the machine's load at 11, and takes about half the serial time when the machine is idle.
    maxWorkers: Math.max(2, availableParallelism()),
    // The SDK warns once per process, on Node 20, that its releases after January 2027 need
    // Node 22 (package.json says so in engines); dozens of test files would repeat it.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    reporters: ['default'],
  },
});
