import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Random order catches tests that lean on each other's leftovers.
    sequence: { shuffle: true },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The SDK warns once per process, on Node 20, that its releases after January 2027 need
    // Node 22 (package.json says so in engines); dozens of test files would repeat it.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    reporters: ['default'],
  },
});
