import { defineConfig } from 'vitest/config';

// Unit tests (Node) and the Node GPU bench on Dawn (test/dawn: the pipeline on SwiftShader, the
// GPU bundle); browser tests under test/gpu and test/e2e run with Playwright.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/dawn/**/*.test.ts'],
  },
});
