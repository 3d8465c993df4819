import { expect, type Page } from '@playwright/test';


/** Opens the GPU test harness and waits until its cases are registered. */
export async function openHarness(page: Page): Promise<void> {
  page.on('pageerror', (err) => {
    throw err;
  });
  await page.goto('/test/gpu/harness.html');
  await page.waitForFunction(() => 'gpuCases' in window, null, { timeout: 60_000 });
  const hasGpu = await page.evaluate(async () => !!(await navigator.gpu?.requestAdapter()));
  expect(hasGpu, 'WebGPU adapter (SwiftShader flags missing?)').toBe(true);
}
