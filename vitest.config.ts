import { defineConfig } from 'vitest/config';

// Unit tests only (Node); browser tests under test/gpu and test/e2e run with Playwright.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
  },
});
