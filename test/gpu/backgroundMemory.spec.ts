import { expect, test, type Page } from '@playwright/test';
import type { MemoryScene, MemoryTrace, PixelState } from './cases/memoryCases';
import { openHarness } from './gpuPage';

// shaders/background_memory.wgsl vs src/gpu/reference/backgroundMemory.ts, frame by frame over
// short sequences: the GPU keeps its state in rgba16float ping-pong textures; the reference runs
// in float64 with its state rounded to half floats between frames (quantize16f), so both start
// every frame from the same state as long as they took the same decisions.
//
// Decisions (observed, matches d ≤ T0 + 3√v, known n ≥ 6) are discrete: where d lies within
// float32 rounding of the threshold the two sides may take different branches, and that pixel's
// n, v and μ then part for several frames. Such pixels are counted and left out of the value
// comparisons; at most MAX_MISMATCHED of the 391 may do it (observed: none). Elsewhere:
//   μ ≤ 2^-10: the GPU rounds its float32 update to half, the reference its float64 one (one half
//     step of 2^-11 on 0.5..1), the difference shrinking by 1 − w each frame after;
//   v ≤ 2^-15: its own half rounding (a step ≤ 2^-17 on v ≤ 0.01) plus w·2d·Δμ from a μ one half
//     step apart (d ≤ 0.05 where it matches); f16 subnormals (v down to V_MIN = 1e-5) are kept;
//   n, age exact (small integers, exact in half);
//   plate and view rgb ≤ 1/255: rgba8unorm of the GPU's float32 μ vs the reference's float64 μ,
//     one 8-bit step where μ lies at a rounding boundary; the plate's a (known) exact;
//   counters: off by at most the frame's mismatched pixels.
const MAX_MISMATCHED = 2;
const MU_TOLERANCE = 2 ** -10;
const V_TOLERANCE = 2 ** -15;
const BYTE_TOLERANCE = 1 / 255 + 1e-6;

function trace(page: Page, name: MemoryScene): Promise<MemoryTrace> {
  return page.evaluate((n) => window.memoryCases.trace(n), name);
}

/** Asserts that the GPU and the reference agree on a synthetic sequence: counters, n and known everywhere, the watched pixels' state. */
function expectSameAsReference(r: MemoryTrace): void {
  r.frames.forEach((f, t) => {
    expect(f.gpu.counters, `counters at frame ${t}`).toEqual(f.reference.counters);
    expect(f.gpu.n, `n at frame ${t}`).toEqual(f.reference.n);
    expect(f.gpu.known, `known at frame ${t}`).toEqual(f.reference.known);
    for (const [name, g] of Object.entries(f.gpu.pixels)) {
      const e = f.reference.pixels[name]!;
      const where = `${name} at frame ${t}: GPU ${JSON.stringify(g)} reference ${JSON.stringify(e)}`;
      expect(g.n, where).toBe(e.n);
      expect(g.age, where).toBe(e.age);
      for (let c = 0; c < 3; c++) expect(Math.abs(g.mu[c]! - e.mu[c]!), where).toBeLessThanOrEqual(MU_TOLERANCE);
      expect(Math.abs(g.v - e.v), where).toBeLessThanOrEqual(V_TOLERANCE);
      for (let c = 0; c < 4; c++) expect(Math.abs(g.plate[c]! - e.plate[c]!), where).toBeLessThanOrEqual(BYTE_TOLERANCE);
    }
  });
}

/** The watched pixel's state at every frame, on the GPU and in the reference. */
function sides(r: MemoryTrace, pixel: string): { side: string; states: PixelState[] }[] {
  return [
    { side: 'GPU', states: r.frames.map((f) => f.gpu.pixels[pixel]!) },
    { side: 'reference', states: r.frames.map((f) => f.reference.pixels[pixel]!) },
  ];
}

test.describe('background memory pass', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  // Margins 2, 5 and 18 (samples 1, 2 and 9 pixels apart), clamped at the frame's edges, in
  // partial workgroups.
  const cases = [
    { gain: false, seed: 22, size: { width: 23, height: 17, margin: 2 } },
    { gain: true, seed: 21, size: { width: 23, height: 17, margin: 2 } },
    { gain: false, seed: 23, size: { width: 31, height: 23, margin: 5 } },
    { gain: true, seed: 24, size: { width: 61, height: 45, margin: 18 } },
  ];
  for (const { gain, seed, size } of cases) {
    test(`a moving person over textured background, ${size.width}×${size.height}, margin ${size.margin}, 12 frames, ${gain ? 'gain (1.04, 1, 0.96)' : 'no statistics (gain 1)'}: GPU = reference`, async ({ page }) => {
      const r = await page.evaluate((a) => window.memoryCases.sequence(a.seed, 12, a.gain, a.size), { seed, gain, size });
      expect(r.mismatched, 'pixels whose decisions differ').toBeLessThanOrEqual(MAX_MISMATCHED);
      expect(r.maxDiff.count, 'n, age').toBe(0);
      expect(r.maxDiff.plateA, 'known').toBe(0);
      expect(r.maxDiff.mu, JSON.stringify(r.worstMu)).toBeLessThanOrEqual(MU_TOLERANCE);
      expect(r.maxDiff.v).toBeLessThanOrEqual(V_TOLERANCE);
      expect(r.maxDiff.plateRgb).toBeLessThanOrEqual(BYTE_TOLERANCE);
      expect(r.maxDiff.view).toBeLessThanOrEqual(BYTE_TOLERANCE);
      for (const [t, f] of r.perFrame.entries()) {
        for (let k = 0; k < 4; k++) expect(Math.abs(f.gpu[k]! - f.reference[k]!), `counter ${k} at frame ${t}: GPU ${f.gpu} reference ${f.reference}`).toBeLessThanOrEqual(f.mismatched);
      }
      // Not trivial: the memory observed most of the frame, learnt part of it by the end, and
      // saw known pixels differ (the lamp, the glitches).
      expect(r.totals.observed).toBeGreaterThan(0.5 * r.frames * r.width * r.height);
      expect(r.totals.knownAtEnd).toBeGreaterThan(0.3 * r.width * r.height);
      expect(r.totals.differing).toBeGreaterThan(0);
    });
  }

  // The update rule on synthetic sequences with an exact answer, asserted on both sides.

  for (const margin of [2, 5, 18]) {
    test(`background-margin pass (row maxima of alpha, margin ${margin}): GPU = reference exactly`, async ({ page }) => {
      const r = await page.evaluate((m) => window.memoryCases.margin(31 + m, m), margin);
      expect(r.step).toBe(Math.max(Math.trunc(margin / 2), 1));
      expect(r.differing, `max difference ${r.maxDiff}`).toBe(0);
    });
  }

  test('an update with counters and view off leaves both as they were, and learns the same', async ({ page }) => {
    const r = await page.evaluate(() => window.memoryCases.quietUpdate(25));
    expect(r.counters).toEqual([7, 7, 7, 7]);
    expect(r.viewValues).toEqual([Math.fround(128 / 255)]);
    expect(r.maxDiff).toBe(0);
  });

  test('a pixel seen as background with a constant colour converges to it and is known at exactly its 6th observation', async ({ page }) => {
    const r = await trace(page, 'converge');
    expectSameAsReference(r);
    // Frames t ≡ 1 (mod 3) cover x < 8 (and, with margin 2, leave x < 10 unobserved): those
    // pixels are observed on the other frames only.
    const observations = (t: number): number => Array.from({ length: t + 1 }, (_, u) => u).filter((u) => u % 3 !== 1).length;
    const schedules: [string, (t: number) => number][] = [
      ['always', (t) => t + 1],
      ['covered', observations],
      ['margin', observations],
    ];
    for (const [pixel, seen] of schedules) {
      for (const { side, states } of sides(r, pixel)) {
        states.forEach((s, t) => {
          const where = `${side} ${pixel} at frame ${t} (${seen(t)} observations): ${JSON.stringify(s)}`;
          expect(s.n, where).toBe(seen(t));
          expect(s.plate[3], where).toBe(seen(t) >= 6 ? 1 : 0);
          // μ is the colour as half holds it (within 2^-12 of an 8-bit value), shown exactly as the 8-bit colour.
          for (let c = 0; c < 3; c++) expect(Math.abs(s.mu[c]! - s.frame[c]!), where).toBeLessThanOrEqual(2 ** -12);
          if (s.plate[3] === 1) for (let c = 0; c < 3; c++) expect(s.plate[c], where).toBe(s.frame[c]);
        });
        expect(states.findIndex((s) => s.plate[3] === 1), `${side} ${pixel}: first known frame`).toBe(pixel === 'always' ? 5 : 8);
      }
    }
    // Every pixel: x ≥ 10 (120 of 240) observed every frame, known from frame 5; all known from frame 8.
    r.frames.forEach((f, t) => {
      expect(f.gpu.counters[0], `observed at frame ${t}`).toBe(t % 3 === 1 ? 120 : 240);
      expect(f.gpu.counters[3], `known at frame ${t}`).toBe(t < 5 ? 0 : t < 8 ? 120 : 240);
    });
  });

  test('a pixel under the person (alpha 1) or within the margin of alpha ≥ 0.1 is never written', async ({ page }) => {
    const r = await trace(page, 'underPerson');
    expectSameAsReference(r);
    for (const pixel of ['inside', 'edge', 'nearEdge', 'marginLeft', 'marginRight']) {
      for (const { side, states } of sides(r, pixel)) {
        states.forEach((s, t) => {
          const where = `${side} ${pixel} at frame ${t}: ${JSON.stringify(s)}`;
          expect(s.n, where).toBe(0);
          expect(s.age, where).toBe(t + 1);
          expect([...s.mu, s.v], where).toEqual([0, 0, 0, 0]);
          expect(s.plate, where).toEqual([0, 0, 0, 0]);
        });
      }
    }
    // Just outside the margin the same background is learnt.
    for (const pixel of ['clearLeft', 'clearRight']) {
      for (const { side, states } of sides(r, pixel)) {
        states.forEach((s, t) => {
          expect(s.n, `${side} ${pixel} at frame ${t}`).toBe(t + 1);
          expect(s.plate[3], `${side} ${pixel} at frame ${t}`).toBe(t >= 5 ? 1 : 0);
        });
      }
    }
  });

  // ALPHA_BG is the float32 0.1 the shader compares with: an alpha stored as 0.1 in the r32float
  // texture (float32 0.100000001) is not background, on either side.
  test('alpha exactly 0.1 (as r32float holds it) in the margin is not background; 0.0999 is', async ({ page }) => {
    const r = await trace(page, 'alphaThreshold');
    const [f] = r.frames;
    for (const [side, pixels] of [['GPU', f!.gpu.pixels], ['reference', f!.reference.pixels]] as const) {
      expect(pixels.atThreshold!.n, `${side}: pixel whose margin has alpha 0.1`).toBe(0);
      expect(pixels.belowThreshold!.n, `${side}: pixel whose margin has alpha 0.0999`).toBe(1);
    }
  });

  test('a passer-by (alpha 0) for 3 frames: a known pixel keeps its colour and stays known, an unknown one does not become known', async ({ page }) => {
    const r = await trace(page, 'passerBy');
    expectSameAsReference(r);
    const PASSER = [64, 65, 66];
    for (const { side, states } of sides(r, 'known')) {
      const before = states[63]!;
      expect(before.n, `${side}: n after 64 frames`).toBe(60);
      states.forEach((s, t) => {
        const where = `${side} known pixel at frame ${t}: ${JSON.stringify(s)}`;
        expect(s.plate[3], where).toBe(t >= 5 ? 1 : 0);
        if (t >= 5) expect(s.plate.slice(0, 3), where).toEqual(before.frame);
        if (t >= 63) expect(s.mu, where).toEqual(before.mu);
      });
      // Each differing observation costs MISS_STEP = 2; matching ones add 1 again.
      expect(states.slice(63).map((s) => s.n), side).toEqual([60, 58, 56, 54, 55, 56, 57, 58, 59]);
      // The passer-by was there.
      for (const t of PASSER) expect(Math.abs(states[t]!.frame[0]! - before.frame[0]!), `${side} frame ${t}`).toBeGreaterThan(0.3);
    }
    for (const { side, states } of sides(r, 'unknown')) {
      states.forEach((s, t) => {
        const where = `${side} unknown pixel at frame ${t}: ${JSON.stringify(s)}`;
        expect(s.plate[3], where).toBe(0);
        if (t < 64) expect(s.n, where).toBe(0);
      });
      expect(PASSER.map((t) => states[t]!.n), side).toEqual([1, 2, 3]);
    }
    // The 16 known pixels the passer-by covers differ on each of its frames, and only those.
    for (const t of PASSER) expect(r.frames[t]!.gpu.counters[2], `differing at frame ${t}`).toBe(16);
    expect(r.frames[63]!.gpu.counters[2]).toBe(0);
  });

  test('an exposure ramp with statistics giving its gain: the memory keeps the un-gained colour', async ({ page }) => {
    const r = await trace(page, 'gainRamp');
    expectSameAsReference(r);
    for (const pixel of ['a', 'b']) {
      for (const { side, states } of sides(r, pixel)) {
        const unGained = states[0]!.frame;
        states.forEach((s, t) => {
          const where = `${side} ${pixel} at frame ${t}: ${JSON.stringify(s)} vs ${unGained}`;
          expect(s.plate[3], where).toBe(t >= 5 ? 1 : 0);
          for (let c = 0; c < 3; c++) expect(Math.abs(s.mu[c]! - unGained[c]!), where).toBeLessThanOrEqual(1 / 255);
        });
        // The frame itself went up by 1.005^39 ≈ 1.21.
        expect(states[39]!.frame[0]! - unGained[0]!, `${side} ${pixel}: frame 39 vs 0`).toBeGreaterThan(0.04);
      }
    }
  });

  test('a slow exposure ramp (0.3 % per frame) without statistics is followed and stays known', async ({ page }) => {
    const r = await trace(page, 'slowRamp');
    expectSameAsReference(r);
    for (const pixel of ['a', 'b']) {
      for (const { side, states } of sides(r, pixel)) {
        states.forEach((s, t) => {
          const where = `${side} ${pixel} at frame ${t}: ${JSON.stringify(s)}`;
          expect(s.plate[3], where).toBe(t >= 5 ? 1 : 0);
          // A running mean over ≤ 30 frames lags a ramp of slope ≤ 0.0013 a frame by < 30 slopes.
          for (let c = 0; c < 3; c++) expect(Math.abs(s.mu[c]! - s.frame[c]!), where).toBeLessThanOrEqual(0.03);
        });
        // It moved with the frame (which went up by 1.003^39 ≈ 1.12).
        expect(states[39]!.mu[0]! - states[0]!.mu[0]!, `${side} ${pixel}: μ at frame 39 vs 0`).toBeGreaterThan(0.01);
      }
    }
  });

  test('started from a captured plate: known where the plate knows, kept under the person, following drift, replacing a lasting change', async ({ page }) => {
    const r = await trace(page, 'seeded');
    expectSameAsReference(r);
    const { nCap, missStep, nKnown } = { nCap: 60, missStep: 2, nKnown: 6 };
    for (const side of ['gpu', 'reference'] as const) {
      // Frame 0: the plate's known part (x < 20) is known at once, the rest is not.
      const f0 = r.frames[0]![side];
      for (let p = 0; p < r.width * r.height; p++) expect(f0.known[p], `${side} pixel ${p}`).toBe(p % r.width < 20 ? 1 : 0);
    }
    for (const { side, states } of sides(r, 'person')) {
      // Never observed: the plate's colour and count stay.
      for (const s of states) expect([s.n, s.plate[3]], side).toEqual([nCap, 1]);
      expect(Math.abs(states[35]!.mu[0]! - states[0]!.mu[0]!), side).toBe(0);
    }
    for (const { side, states } of sides(r, 'drift')) {
      // The light rose by 0.105 over 35 frames and the memory followed it, keeping the pixel
      // known: a running mean with w = 1/30 lags a ramp of slope s by s(1 − w)(1 − (1 − w)^t)/w,
      // 0.060 at frame 35, so μ rose by 0.045.
      states.forEach((s, t) => expect([s.n, s.plate[3]], `${side} frame ${t}`).toEqual([nCap, 1]));
      expect(states[35]!.mu[0]! - states[0]!.mu[0]!, side).toBeGreaterThan(0.04);
      expect(Math.abs(states[35]!.mu[0]! - states[35]!.frame[0]!), side).toBeLessThan(0.065);
    }
    for (const { side, states } of sides(r, 'object')) {
      // From frame 2 the object differs: n falls by 2 a frame, unknown once below 6, replaced by
      // the object's colour when it reaches 0 (frame 2 + 30 − 1), then learnt again.
      expect(states[1]!.n, side).toBe(nCap);
      states.slice(2, 31).forEach((s, k) => {
        expect(s.n, `${side} frame ${k + 2}`).toBe(nCap - missStep * (k + 1));
        expect(s.plate[3], `${side} frame ${k + 2}`).toBe(s.n >= nKnown ? 1 : 0);
      });
      expect(states[31]!.n, side).toBe(1);
      for (let c = 0; c < 3; c++) expect(states[31]!.mu[c]!, side).toBeCloseTo(230 / 255, 2);
    }
    for (const { side, states } of sides(r, 'unknown')) {
      // Not known to the plate: learnt like any background, known at its 6th observation.
      states.forEach((s, t) => expect(s.n, `${side} frame ${t}`).toBe(Math.min(t + 1, nCap)));
      expect(states[4]!.plate[3], side).toBe(0);
      expect(states[5]!.plate[3], side).toBe(1);
    }
  });

  test('a camera shift: most known pixels differ, memoryVerdict resets, and a reset starts over', async ({ page }) => {
    const r = await trace(page, 'shift');
    expectSameAsReference(r);
    const pixels = r.width * r.height;
    const still = r.frames[9]!.gpu;
    expect(still.counters[1], 'observed and known before the shift').toBeGreaterThan(0.5 * pixels);
    expect(still.counters[2]).toBe(0);
    expect(still.verdict.reset).toBe(false);
    const moved = r.frames[10]!.gpu;
    expect(moved.counters[1]).toBe(still.counters[1]);
    expect(moved.counters[2], `counters ${moved.counters}`).toBeGreaterThan(0.5 * moved.counters[1]!);
    expect(moved.verdict.reset).toBe(true);
    // The frame after, with reset: n = 1 where observed, 0 elsewhere (nothing known before).
    for (const [side, f] of [['GPU', r.frames[11]!.gpu], ['reference', r.frames[11]!.reference]] as const) {
      const [observed, knownBefore, differing, known] = f.counters;
      expect(observed, side).toBeGreaterThan(0);
      expect(observed, side).toBeLessThan(pixels);
      expect([knownBefore, differing, known], side).toEqual([0, 0, 0]);
      expect(f.n.filter((n) => n === 1).length, side).toBe(observed);
      expect(f.n.filter((n) => n === 0).length, side).toBe(pixels - observed!);
    }
    for (const pixel of ['a', 'b']) {
      for (const { side, states } of sides(r, pixel)) {
        const s = states[11]!;
        expect(s.n, `${side} ${pixel}`).toBe(1);
        expect(s.age, `${side} ${pixel}`).toBe(0);
        for (let c = 0; c < 3; c++) expect(Math.abs(s.mu[c]! - s.frame[c]!), `${side} ${pixel}: ${JSON.stringify(s)}`).toBeLessThanOrEqual(2 ** -12);
      }
    }
  });
});
