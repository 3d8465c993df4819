import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './scripts/lib/browser';

/** The dev server's port (PW_PORT overrides it, e.g. to run two checkouts' tests side by side). */
const PORT = Number(process.env.PW_PORT ?? 5199);

/**
 * Browser tests in the system Chromium (never Playwright's own download), WebGPU on
 * SwiftShader: test/gpu (each WGSL pass against its TS reference) and test/e2e (the app,
 * the replay command). One worker: SwiftShader is CPU-bound on a 2-core machine.
 */
export default defineConfig({
  testDir: 'test',
  testMatch: ['gpu/**/*.spec.ts', 'e2e/**/*.spec.ts'],
  workers: 1,
  timeout: 180_000,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}/`,
    launchOptions: { executablePath: chromiumPath(), args: chromiumArgs() },
  },
  webServer: {
    command: `npx vite --host 127.0.0.1 --port ${PORT} --strictPort`,
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
