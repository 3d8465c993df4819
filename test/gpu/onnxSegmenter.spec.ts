import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import type { MaskComparison } from './segmenterHarness';

// Acceptance of the TFLite → ONNX conversion (scripts/lib/tflite/convert.ts): on every dev
// still, resized once to 256×144, the converted model in onnxruntime-web (WebGPU) gives the mask
// tasks-vision gives with the TFLite original.
const STILLS = resolve(import.meta.dirname, '../../../shared/eval/dev/stills');
/** Same-origin path the test serves ../shared/eval/dev/stills under (the CSP allows 'self' only). */
const SERVED = '/__dev-stills/';

test.describe('converted selfie segmenter (ONNX, onnxruntime-web) vs tasks-vision (TFLite)', () => {
  test('dev stills: mean |Δ| ≤ 0.01 and the same IoU against the ground truth', async ({ page }) => {
    if (!existsSync(STILLS)) {
      const reason = `${STILLS} is missing (../shared beside the checkout holds the test data)`;
      if (process.env.CI === 'true') throw new Error(reason);
      console.log(`skipped: ${reason}`);
      test.skip(true, reason);
    }
    test.setTimeout(600_000);
    page.on('pageerror', (err) => {
      throw err;
    });
    await page.route(`**${SERVED}**`, async (route) => {
      const relative = decodeURIComponent(new URL(route.request().url()).pathname.slice(SERVED.length));
      const path = join(STILLS, relative);
      if (relative.includes('..') || !existsSync(path)) return route.fulfill({ status: 404 });
      return route.fulfill({ body: readFileSync(path), contentType: 'image/png' });
    });
    await page.goto('/test/gpu/segmenterHarness.html');
    // Vite may reload the page once while it pre-bundles onnxruntime-web on first use.
    await page.waitForFunction(() => 'segmenterHarness' in window, null, { timeout: 120_000 });

    const ids = readdirSync(STILLS).filter((id) => existsSync(join(STILLS, id, 'image.png'))).sort();
    expect(ids.length).toBeGreaterThan(0);
    const rows: (MaskComparison & { id: string })[] = [];
    for (const id of ids) {
      const alpha = existsSync(join(STILLS, id, 'alpha.png')) ? `${SERVED}${id}/alpha.png` : null;
      const r = await page.evaluate(([image, gt]) => window.segmenterHarness.compare(image!, gt ?? null), [`${SERVED}${id}/image.png`, alpha] as const);
      rows.push({ id, ...r });
      const gt = r.iouTasksVisionGt === null ? 'no ground truth' : `IoU vs GT tasks-vision ${r.iouTasksVisionGt.toFixed(4)} onnx ${r.iouOnnxGt!.toFixed(4)}`;
      console.log(`${id}: MAD ${r.mad.toExponential(2)} max ${r.maxDiff.toExponential(2)} IoU(masks) ${r.iouMasks.toFixed(4)} ${gt} (${r.msTasksVision.toFixed(0)} / ${r.msOnnx.toFixed(0)} ms)`);
    }
    const mean = (f: (r: MaskComparison) => number): number => rows.reduce((s, r) => s + f(r), 0) / rows.length;
    console.log(`mean over ${rows.length} stills: MAD ${mean((r) => r.mad).toExponential(2)}, IoU(masks) ${mean((r) => r.iouMasks).toFixed(4)}`);
    for (const r of rows) {
      expect(r.mad, `${r.id}: mean |tasks-vision − onnx|`).toBeLessThanOrEqual(0.01);
      if (r.iouTasksVisionGt !== null && r.iouOnnxGt !== null) {
        expect(Math.abs(r.iouTasksVisionGt - r.iouOnnxGt), `${r.id}: IoU vs ground truth, tasks-vision − onnx`).toBeLessThanOrEqual(0.005);
      } else {
        expect(r.iouMasks, `${r.id}: IoU of the two masks`).toBeGreaterThanOrEqual(0.99);
      }
    }
  });
});
