import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    // Real tfjs training steps on the cpu backend: slow by unit-test standards, fast in absolute terms.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // tfjs keeps one global engine per process; files run in separate workers, tests in a file in order.
    pool: 'forks',
    maxWorkers: 2,
  },
});
