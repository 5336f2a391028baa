import { defineConfig } from '@playwright/test';
import { CHROMIUM_PATH, CHROMIUM_ARGS } from './tests/e2e/chromium.ts';

/** Overridable so two runs (say, a bench and the tests) can share a machine. */
const PORT = Number(process.env['E2E_PORT'] ?? 5199);

/**
 * End-to-end tests drive Debian's Chromium (never a downloaded browser) against the very
 * server the README's start command runs (`npm start`, i.e. the Vite dev server).
 */
export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 180_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  outputDir: process.env['E2E_OUTPUT_DIR'] ?? 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    browserName: 'chromium',
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
    trace: 'retain-on-failure',
  },
  webServer: {
    command: `npm start -- --host 127.0.0.1 --port ${PORT} --strictPort`,
    url: `http://127.0.0.1:${PORT}`,
    reuseExistingServer: false,
    timeout: 120_000,
  },
});
