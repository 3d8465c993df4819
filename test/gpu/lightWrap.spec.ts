import { expect, test } from '@playwright/test';
import { openHarness } from './gpuPage';

// Light wrap (options.lightWrap): shaders/light_wrap_prepare.wgsl and shaders/light_wrap.wgsl
// against src/gpu/reference/lightWrap.ts, and the Canvas 2D path (src/pipeline/canvas/lightWrap.ts)
// against the same reference.

test.describe('light wrap', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  test('prepare: the new background weighted by 1 − α, block-averaged (image and colour; factors 1 and 3)', async ({ page }) => {
    for (const [useImage, factor] of [[true, 1], [true, 3], [false, 3]] as const) {
      const r = await page.evaluate(([u, f]) => window.lightWrapCases.prepare(11, u, f), [useImage, factor] as const);
      console.log(`prepare useImage=${useImage} factor=${factor}: ${JSON.stringify(r)}`);
      // rgba16float output: one half-float step at 1.0 is 2⁻¹⁰ (the reference is quantised the same way).
      expect(r.maxDiff).toBeLessThanOrEqual(1e-3);
    }
  });

  test('apply: mix(out, L, strength·α·b) blended over an 8-bit composite', async ({ page }) => {
    for (const strength of [0.3, 1]) {
      const r = await page.evaluate((s) => window.lightWrapCases.apply(12, s), strength);
      console.log(`apply strength=${strength}: ${JSON.stringify(r)}`);
      // The blend runs in float and rounds once to 8 bits, the reference rounds the same value.
      expect(r.maxDiff).toBeLessThanOrEqual(1.01 / 255);
    }
  });
});

test.describe('light wrap in both renderers', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  // The WebGPU stage wires the passes above: it matches the reference up to the 8-bit alpha the
  // reference is given (the stage reads the float alpha): measured max |Δ| 0.57/255, mean
  // 0.014/255 against an effect of up to 34/255. The Canvas 2D path approximates (a canvas
  // shrunk further — factor 5 at 960×540 where the stage's is 2 —, the mask scaled into it
  // bilinearly instead of block-averaged, 8-bit premultiplied canvases, the browser's blur
  // filter): measured max |Δ| 13/255 and mean 0.038/255 at 960×540 (colour mode), against an
  // effect of up to 54/255 and 0.25/255 on average.
  for (const [renderer, maxDiff, meanShare] of [['webgpu', 1.01 / 255, 0.1], ['canvas2d', 16 / 255, 0.35]] as const) {
    test(`${renderer}: its composite with light wrap is the reference applied to its composite without`, async ({ page }) => {
      for (const mode of ['color', 'image'] as const) {
        const r = await page.evaluate(([rr, m]) => window.lightWrapCases.renderer(rr, 13, m, 0.8), [renderer, mode] as const);
        console.log(`${renderer} ${mode}: ${JSON.stringify(r)}`);
        expect(r.effect.maxDiff, 'the wrap changes the edge').toBeGreaterThan(0.03);
        expect(r.reference.maxDiff).toBeLessThanOrEqual(maxDiff);
        expect(r.reference.meanDiff).toBeLessThanOrEqual(meanShare * r.effect.meanDiff);
      }
    });
  }
});
