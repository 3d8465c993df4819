import { expect, test } from '@playwright/test';
import { openHarness } from './gpuPage';

// shaders/import_frame.wgsl vs src/gpu/reference/importFrame.ts. SwiftShader cannot import
// VideoFrames as external textures (the pipeline then copies through an ImageBitmap, which
// the e2e tests exercise); on such adapters the test says so and skips.
test('import-frame pass matches the reference', async ({ page }) => {
  await openHarness(page);
  const r = await page.evaluate(() => window.gpuCases.importFrame(10));
  if (r.unsupported) {
    console.log(`import-frame: skipped — ${r.unsupported}`);
    test.skip(true, r.unsupported);
  }
  expect(r.count).toBe(19 * 11 * 4);
  expect(r.maxDiff).toBeLessThanOrEqual(0.5 / 255 + 1e-5);
});
