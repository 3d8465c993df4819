import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';

/**
 * Path of a file in ../shared (beside the checkout). When it is missing the calling test fails
 * under CI=true and is skipped, with the reason printed, elsewhere.
 */
export function sharedFile(relative: string): string {
  const path = resolve(import.meta.dirname, '../../../shared', relative);
  if (!existsSync(path)) {
    const reason = `${path} is missing (../shared beside the checkout holds the test data)`;
    if (process.env.CI) throw new Error(reason);
    console.log(`skipped: ${reason}`);
    test.skip(true, reason);
  }
  return path;
}

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
