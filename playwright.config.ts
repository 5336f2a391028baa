import { defineConfig } from '@playwright/test';
import { CHROMIUM_PATH, CHROMIUM_ARGS } from './tests/e2e/chromium.ts';

/** Overridable so two runs (say, a bench and the tests) can share a machine. */
const PORT = Number(process.env['E2E_PORT'] ?? 5199);
const DEV_PORT = PORT + 1;
const EXTRA_FLAGS = process.env['E2E_SERVER_FLAGS'] ?? '';
/** A separate build folder, so two runs on one checkout don't overwrite each other's dist/. */
const DIST = process.env['E2E_DIST'];
const APP_SERVER = DIST
  ? `npx vite build --outDir ${DIST} --emptyOutDir ${EXTRA_FLAGS} && npx vite preview --outDir ${DIST} ${EXTRA_FLAGS}`
  : 'npm start --';

/** Specs that load test-only harness pages, which only the dev server serves. */
const DEV_SERVER_SPECS = ['**/decode.spec.ts', '**/cartoon-faces.spec.ts', '**/isolation.spec.ts', '**/media.spec.ts'];

/**
 * End-to-end tests drive Debian's Chromium (never a downloaded browser). The app's tests run
 * against the very server the README's start command runs (`npm start`: a production build
 * served by `vite preview`); harness pages of single modules are served by the dev server.
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
    browserName: 'chromium',
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'app', testIgnore: DEV_SERVER_SPECS, use: { baseURL: `http://127.0.0.1:${PORT}` } },
    { name: 'modules', testMatch: DEV_SERVER_SPECS, use: { baseURL: `http://127.0.0.1:${DEV_PORT}` } },
  ],
  webServer: [
    {
      command: `${APP_SERVER} --host 127.0.0.1 --port ${PORT} --strictPort`,
      url: `http://127.0.0.1:${PORT}`,
      reuseExistingServer: false,
      timeout: 120_000,
    },
    {
      command: `npm run dev -- --host 127.0.0.1 --port ${DEV_PORT} --strictPort ${EXTRA_FLAGS}`,
      url: `http://127.0.0.1:${DEV_PORT}`,
      reuseExistingServer: false,
      timeout: 120_000,
    },
  ],
});
