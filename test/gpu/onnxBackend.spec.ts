import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { MEMORY_MEASURE_FRAMES } from '../../src/gpu/params/memory';
import { sharedPath } from '../e2e/support';
import { openHarness } from './gpuPage';

// The onnx-webgpu base network's own passes against their references, and the engine's
// steady state: no GPU→CPU read-back per frame.
test.describe('onnx-webgpu base network', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  // The GPU converts unorm8 to f32 itself; the reference's k/255 is a float64 division, so
  // they may differ by one f32 rounding (≤ 6e-8).
  for (const layout of ['nchw', 'nhwc'] as const) {
    test(`tensor_from_texture writes the ${layout.toUpperCase()} input`, async ({ page }) => {
      const r = await page.evaluate((l) => window.segmentCases.tensorFromTexture(3, l), layout);
      expect(r.count).toBe(3 * 13 * 7);
      expect(r.maxDiff).toBeLessThanOrEqual(1e-7);
    });
  }

  test('fgr_residual subtracts the network input from its foreground output exactly', async ({ page }) => {
    const r = await page.evaluate(() => window.segmentCases.fgrResidual(5));
    expect(r.count).toBe(105);
    expect(r.maxDiff).toBe(0);
  });

  for (const [w, h, clamp01] of [[11, 7, false], [44, 28, true], [5, 3, false]] as const) {
    test(`tensor_to_texture resamples a channel to ${w}×${h}${clamp01 ? ', clamped' : ''}`, async ({ page }) => {
      const r = await page.evaluate(([a, b, c]) => window.segmentCases.tensorToTexture(4, a, b, c), [w, h, clamp01] as const);
      expect(r.count).toBe(w * h);
      expect(r.maxDiff).toBeLessThanOrEqual(1e-5);
    });
  }

  for (const scenario of ['blob', 'empty', 'full', 'edge', 'speckle', 'dot'] as const) {
    for (const whole of [true, false]) {
      test(`roi_box matches nextRoi (${scenario}, ${whole ? 'whole frame' : 'inside a previous ROI'})`, async ({ page }) => {
        for (const seed of [1, 2, 3]) {
          const r = await page.evaluate(([s, sc, w]) => window.segmentCases.roiBox(s, sc, w), [seed, scenario, whole] as const);
          for (const key of ['x', 'y', 'width', 'height'] as const) {
            expect(Math.abs(r.gpu[key] - r.reference[key]), `${key} (seed ${seed}): gpu ${JSON.stringify(r.gpu)} vs ${JSON.stringify(r.reference)}`).toBeLessThanOrEqual(1e-3);
          }
        }
      });
    }
  }

  // Each frame runs the converted selfie segmenter three times (whole frame, two ROI passes);
  // on SwiftShader one run takes ~2 s, so 50 frames take a few minutes.
  test('the steady-state frame loop reads nothing back from the GPU (50 frames)', async ({ page }) => {
    test.setTimeout(900_000);
    const r = await page.evaluate(() => window.segmentCases.pipelineSteadyState(50, 2, { mode: 'blur', backend: 'onnx-webgpu' }));
    console.log(`steady state: ${JSON.stringify(r)}`);
    expect(r.processed).toBe(50);
    expect(r.runs).toBe(150);
    // The only read-backs: the background memory's counters, every MEMORY_MEASURE_FRAMES frames, not awaited.
    expect(r.mapAsync).toBeLessThanOrEqual(Math.ceil(50 / MEMORY_MEASURE_FRAMES));
    expect(r.getData).toBe(0);
  });

  test('the counter notices read-backs (the `ref` debug view reads the tile count every frame)', async ({ page }) => {
    const r = await page.evaluate(() => window.segmentCases.pipelineSteadyState(2, 1, { mode: 'blur', backend: 'onnx-webgpu', view: 'ref' }));
    expect(r.mapAsync).toBe(2);
  });

  // A dev still as the frame, served from ../shared (the CSP allows our origin only).
  for (const backend of ['onnx-webgpu', 'tasks-vision'] as const) {
    test(`a lost GPU device is rebuilt and frames flow again (${backend})`, async ({ page }) => {
      test.setTimeout(300_000);
      const still = sharedPath('eval/dev/stills/dev_00_0/image.png');
      await page.route('**/__device-loss-still.png', (route) => route.fulfill({ body: readFileSync(still), contentType: 'image/png' }));
      const r = await page.evaluate((b) => window.segmentCases.engineDeviceLoss(b, 2, 3, '/__device-loss-still.png'), backend);
      console.log(`device loss (${backend}): ${JSON.stringify(r)}`);
      expect(r.backend).toBe(backend);
      // At most the first frame after the loss may fail; the last ones are processed.
      expect(r.outcomes.slice(1)).toEqual(['ok', 'ok']);
      // The person is found before the loss, and the rebuilt engine gives the same matte.
      expect(r.alphaMean).toBeGreaterThan(0.05); // ~0.115: the person covers about an eighth of dev_00_0
      expect(r.maxDiffAfter).toBeLessThanOrEqual(1 / 255);
    });
  }
});
