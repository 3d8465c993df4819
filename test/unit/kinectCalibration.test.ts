// src/sources/kinect/calibration.ts (the SDK's calibration parsing and camera maths) and
// src/gpu/reference/registerDepth.ts (depth → colour registration) on the calibration.json of
// the shared k4arecorder recording, checked against numbers worked out by hand from the JSON
// and against the scene geometry of synthetic depth images.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors';
import { packDepthKey, registerDepthReference, unpackDepthKey } from '../../src/gpu/reference/registerDepth';
import { registerTables, depthRayTable, depthToColorPoint, parseKinectCalibration, project, unproject } from '../../src/sources/kinect/calibration';
import type { RegisterTables, CameraIntrinsics, KinectCalibration } from '../../src/types/kinect';

const RECORDING = resolve(import.meta.dirname, '../../../shared/kinect/pyk4a_recording.mkv');

/** The recording lives in ../shared: fail under CI=true when it is missing, else skip saying why. */
const missing = existsSync(RECORDING) ? null : `${RECORDING} is missing (../shared beside the checkout holds the test data)`;
if (missing && process.env.CI === 'true') throw new Error(`kinectCalibration: ${missing}`);
if (missing) console.log(`skipped: Kinect calibration tests: ${missing}`);

/**
 * The calibration.json attachment of a k4arecorder file, found without a Matroska parser: the
 * bytes from `{"CalibrationInformation"` to the brace that closes it (the JSON has no braces in strings).
 */
function calibrationJsonOf(bytes: Uint8Array): string {
  const start = Buffer.from(bytes).indexOf('{"CalibrationInformation"');
  if (start < 0) throw new Error('no calibration.json in the recording');
  let depth = 0;
  for (let i = start; i < bytes.length; i++) {
    if (bytes[i] === 0x7b) depth++;
    else if (bytes[i] === 0x7d && --depth === 0) return new TextDecoder().decode(bytes.subarray(start, i + 1));
  }
  throw new Error('unterminated calibration.json');
}

/** Full-size registration and table computation take seconds on a loaded 2-core machine. */
const HEAVY_MS = 60_000;

const JSON_TEXT = missing ? '' : calibrationJsonOf(readFileSync(RECORDING));

/** Asserts fn throws an InputError with this code and a message matching `pattern`. */
function expectInputError(fn: () => unknown, code: 'corrupt-input' | 'unsupported-input', pattern: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe(code);
    expect((err as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected an InputError');
}

describe.skipIf(missing !== null)('parseKinectCalibration', () => {
  it('NFOV_UNBINNED depth intrinsics: normalised × 1024, minus the crop (192, 180), minus 0.5', () => {
    const { depth } = parseKinectCalibration(JSON_TEXT, 'NFOV_UNBINNED', '720P');
    // Depth ModelParameters: cx 0.5129697918891907, cy 0.5169235467910767, fx 0.4927808940410614, fy 0.49290284514427185
    //   cx = 0.5129697918891907·1024 − 192 − 0.5 = 525.2810668945 − 192.5 = 332.7810668945
    //   cy = 0.5169235467910767·1024 − 180 − 0.5 = 529.3297119141 − 180.5 = 348.8297119141
    //   fx = 0.4927808940410614·1024 = 504.6076354980, fy = 0.49290284514427185·1024 = 504.7325134277
    expect(depth.width).toBe(640);
    expect(depth.height).toBe(576);
    expect(depth.cx).toBeCloseTo(332.7810669, 5);
    expect(depth.cy).toBeCloseTo(348.8297119, 5);
    expect(depth.fx).toBeCloseTo(504.6076355, 5);
    expect(depth.fy).toBeCloseTo(504.7325134, 5);
    // k1..k6 are parameters 4..9; 10, 11 are codx, cody; 12 is p2 and 13 is p1 (k4atypes.h order).
    expect(depth.k).toEqual([0.5479397773742676, -0.020971370860934258, -0.002652231603860855, 0.8896790742874146, 0.08613020926713943, -0.013910384848713875]);
    expect(depth.p2).toBe(-7.210415787994862e-5);
    expect(depth.p1).toBe(2.0557534298859537e-5);
    expect([depth.codx, depth.cody]).toEqual([0, 0]);
    expect(depth.metricRadius).toBeCloseTo(1.739999771118164, 12);
  });

  it('NFOV_2X2BINNED depth intrinsics: × 512, crop (96, 90)', () => {
    const { depth } = parseKinectCalibration(JSON_TEXT, 'NFOV_2X2BINNED', '720P');
    // cx = 0.5129697918891907·512 − 96 − 0.5 = 262.6405334473 − 96.5 = 166.1405334473; fx = 0.4927808940410614·512 = 252.3038177490
    expect([depth.width, depth.height]).toEqual([320, 288]);
    expect(depth.cx).toBeCloseTo(166.1405334, 5);
    expect(depth.fx).toBeCloseTo(252.3038177, 5);
  });

  it('720P colour intrinsics: × (1280, 960), crop (0, 120), minus 0.5; metric radius 0 → 1.7', () => {
    const { color } = parseKinectCalibration(JSON_TEXT, 'NFOV_UNBINNED', '720P');
    // Colour ModelParameters: cx 0.4998471438884735, cy 0.5066176056861877, fx 0.4779651165008545, fy 0.6374239325523376
    //   cx = 0.4998471438884735·1280 − 0 − 0.5 = 639.8043441772 − 0.5 = 639.3043441772
    //   cy = 0.5066176056861877·960 − 120 − 0.5 = 486.3529014587 − 120.5 = 365.8529014587
    //   fx = 0.4779651165008545·1280 = 611.7953491211, fy = 0.6374239325523376·960 = 611.9269752502
    expect([color.width, color.height]).toEqual([1280, 720]);
    expect(color.cx).toBeCloseTo(639.3043442, 5);
    expect(color.cy).toBeCloseTo(365.8529015, 5);
    expect(color.fx).toBeCloseTo(611.7953491, 5);
    expect(color.fy).toBeCloseTo(611.9269753, 5);
    expect(color.p2).toBe(-0.00012944525224156678);
    expect(color.p1).toBe(-0.00016178244550246745);
    expect(color.metricRadius).toBe(1.7);
  });

  it('1080P and 3072P colour intrinsics', () => {
    const c1080 = parseKinectCalibration(JSON_TEXT, 'NFOV_UNBINNED', '1080P').color;
    // cy = 0.5066176056861877·1440 − 180 − 0.5 = 729.5293521881 − 180.5 = 549.0293521881
    expect([c1080.width, c1080.height]).toEqual([1920, 1080]);
    expect(c1080.cy).toBeCloseTo(549.0293522, 5);
    const c3072 = parseKinectCalibration(JSON_TEXT, 'NFOV_UNBINNED', '3072P').color;
    // fx = 0.4779651165008545·4096 = 1957.7451171875, cx = 0.4998471438884735·4096 − 0.5 = 2047.3739013672 − 0.5 = 2046.8739013672
    expect(c3072.fx).toBeCloseTo(1957.7451172, 5);
    expect(c3072.cx).toBeCloseTo(2046.8739014, 5);
  });

  it('a legacy 16:9 colour calibration is re-expressed on the 4:3 sensor first', () => {
    const legacy = JSON.parse(JSON_TEXT) as { CalibrationInformation: { Cameras: Array<Record<string, unknown>> } };
    legacy.CalibrationInformation.Cameras[1]!.SensorHeight = 2304;
    const { color } = parseKinectCalibration(JSON.stringify(legacy), 'NFOV_UNBINNED', '720P');
    // 4:3 unitised: cy' = (0.5066176056861877·2304 + 384) / 3072 = 1551.2469635010 / 3072 = 0.5049632043;
    //   fy' = 0.6374239325523376·2304 / 3072 = 0.4780679494. 720P: cy = 0.5049632043·960 − 120.5 = 364.2646761;
    //   fy = 0.4780679494·960 = 458.9452314; cx, fx unchanged.
    expect(color.cy).toBeCloseTo(364.2646761, 5);
    expect(color.fy).toBeCloseTo(458.9452314, 5);
    expect(color.cx).toBeCloseTo(639.3043442, 5);
  });

  it('depth → colour is the colour camera Rt (depth Rt = identity), translation in millimetres', () => {
    const cal = parseKinectCalibration(JSON_TEXT, 'NFOV_UNBINNED', '720P');
    const expected = [0.9999992251396179, 0.001181757659651339, -0.0004481404321268201, -0.0011387512786313891, 0.9962806105613708, 0.0861603245139122, 0.0005482942215166986, -0.08615975081920624, 0.9962812066078186];
    cal.depthToColor.rotation.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
    expect(cal.depthToColor.translationMm[0]).toBeCloseTo(-32.083429396, 6);
    expect(cal.depthToColor.translationMm[1]).toBeCloseTo(-2.205373021, 6);
    expect(cal.depthToColor.translationMm[2]).toBeCloseTo(3.883692669, 6);
  });

  it('a non-identity depth Rt is composed: depth→colour = Rt_c · Rt_d⁻¹', () => {
    const doc = JSON.parse(JSON_TEXT) as { CalibrationInformation: { Cameras: Array<{ Rt: { Rotation: number[]; Translation: number[] } }> } };
    // Both cameras moved by the same world motion (a 90° turn about z and a shift): depth→colour is unchanged.
    const [d, c] = doc.CalibrationInformation.Cameras as [{ Rt: { Rotation: number[]; Translation: number[] } }, { Rt: { Rotation: number[]; Translation: number[] } }];
    const M = [0, -1, 0, 1, 0, 0, 0, 0, 1];
    const s = [0.1, -0.2, 0.05];
    const move = (rt: { Rotation: number[]; Translation: number[] }): void => {
      // world' = M·world + s  ⇒  world'→cam = (R·Mᵀ, t − R·Mᵀ·s)
      const R = rt.Rotation;
      const RMt = [0, 1, 2].flatMap((r) => [0, 1, 2].map((col) => R[r * 3]! * M[col * 3]! + R[r * 3 + 1]! * M[col * 3 + 1]! + R[r * 3 + 2]! * M[col * 3 + 2]!));
      const RMts = [0, 1, 2].map((r) => RMt[r * 3]! * s[0]! + RMt[r * 3 + 1]! * s[1]! + RMt[r * 3 + 2]! * s[2]!);
      rt.Rotation = RMt;
      rt.Translation = rt.Translation.map((v, i) => v - RMts[i]!);
    };
    move(d.Rt);
    move(c.Rt);
    const moved = parseKinectCalibration(JSON.stringify(doc), 'NFOV_UNBINNED', '720P');
    const plain = parseKinectCalibration(JSON_TEXT, 'NFOV_UNBINNED', '720P');
    moved.depthToColor.rotation.forEach((v, i) => expect(v).toBeCloseTo(plain.depthToColor.rotation[i]!, 9));
    moved.depthToColor.translationMm.forEach((v, i) => expect(v).toBeCloseTo(plain.depthToColor.translationMm[i]!, 6));
  });

  it('malformed JSON, missing cameras, unknown modes and unsupported models are InputErrors', () => {
    expectInputError(() => parseKinectCalibration('{"CalibrationInformation": ', 'NFOV_UNBINNED', '720P'), 'corrupt-input', /not valid JSON/);
    expectInputError(() => parseKinectCalibration('{"Foo": 1}', 'NFOV_UNBINNED', '720P'), 'corrupt-input', /CalibrationInformation\.Cameras/);
    const doc = JSON.parse(JSON_TEXT) as { CalibrationInformation: { Cameras: Array<Record<string, unknown>> } };
    const withoutDepth = { CalibrationInformation: { Cameras: doc.CalibrationInformation.Cameras.slice(1) } };
    expectInputError(() => parseKinectCalibration(JSON.stringify(withoutDepth), 'NFOV_UNBINNED', '720P'), 'corrupt-input', /no depth camera.*D0/);
    const withoutColour = { CalibrationInformation: { Cameras: doc.CalibrationInformation.Cameras.slice(0, 1) } };
    expectInputError(() => parseKinectCalibration(JSON.stringify(withoutColour), 'NFOV_UNBINNED', '720P'), 'corrupt-input', /no colour camera.*PV0/);
    expectInputError(() => parseKinectCalibration(JSON_TEXT, 'NFOV_3X3', '720P'), 'unsupported-input', /unknown depth mode "NFOV_3X3"/);
    expectInputError(() => parseKinectCalibration(JSON_TEXT, 'OFF', '720P'), 'unsupported-input', /unknown depth mode "OFF"/);
    expectInputError(() => parseKinectCalibration(JSON_TEXT, 'NFOV_UNBINNED', '4K'), 'unsupported-input', /unknown colour resolution "4K"/);
    const short = JSON.parse(JSON_TEXT) as { CalibrationInformation: { Cameras: Array<{ Intrinsics: { ModelParameters: number[] } }> } };
    short.CalibrationInformation.Cameras[0]!.Intrinsics.ModelParameters = [0.5, 0.5];
    expectInputError(() => parseKinectCalibration(JSON.stringify(short), 'NFOV_UNBINNED', '720P'), 'corrupt-input', /depth ModelParameters/);
    const theta = JSON.parse(JSON_TEXT) as { CalibrationInformation: { Cameras: Array<{ Intrinsics: { ModelType: string } }> } };
    theta.CalibrationInformation.Cameras[1]!.Intrinsics.ModelType = 'CALIBRATION_LensDistortionModelTheta';
    expectInputError(() => parseKinectCalibration(JSON.stringify(theta), 'NFOV_UNBINNED', '720P'), 'unsupported-input', /lens model/);
  });
});

describe.skipIf(missing !== null)('projection and unprojection', () => {
  const cal = missing ? null : parseKinectCalibration(JSON_TEXT, 'NFOV_UNBINNED', '720P');

  function roundTrip(intr: CameraIntrinsics, step: number): { maxErr: number; valid: number; total: number } {
    let maxErr = 0;
    let valid = 0;
    let total = 0;
    for (let v = 0; v < intr.height; v += step) {
      for (let u = 0; u < intr.width; u += step) {
        total++;
        const p = unproject(intr, [u, v], 1500);
        if (!p) continue;
        valid++;
        const uv = project(intr, p);
        expect(uv).not.toBeNull();
        maxErr = Math.max(maxErr, Math.hypot(uv![0] - u, uv![1] - v));
        expect(p[2]).toBe(1500);
      }
    }
    return { maxErr, valid, total };
  }

  it('project ∘ unproject is the identity to < 1e-3 px over the depth and colour images', () => {
    for (const intr of [cal!.depth, cal!.color]) {
      const r = roundTrip(intr, 7);
      expect(r.valid).toBe(r.total);
      expect(r.maxErr).toBeLessThan(1e-3);
    }
    const wide = parseKinectCalibration(JSON_TEXT, 'WFOV_UNBINNED', '3072P');
    const r = roundTrip(wide.depth, 13);
    expect(r.maxErr).toBeLessThan(1e-3);
    expect(r.valid).toBeGreaterThan(0.5 * r.total);
  }, HEAVY_MS);

  it('the distortion is not a pinhole: the image corner moves by more than a pixel', () => {
    const { color } = cal!;
    const xy = unproject(color, [0, 0], 1)!;
    const pinhole = [xy[0] * color.fx + color.cx, xy[1] * color.fy + color.cy];
    expect(Math.hypot(pinhole[0]!, pinhole[1]!)).toBeGreaterThan(1);
  });

  it('projection rejects z ≤ 0 and points beyond the metric radius', () => {
    const { depth } = cal!;
    expect(project(depth, [0, 0, 0])).toBeNull();
    expect(project(depth, [0, 0, -5])).toBeNull();
    expect(project(depth, [1.8, 0, 1])).toBeNull(); // 1.8 > metric radius 1.74
    expect(project(depth, [1.7, 0, 1])).not.toBeNull();
    expect(unproject(depth, [100, 100], 0)).toBeNull();
  });

  it('the ray table holds unproject(u, v, 1); NaN marks pixels beyond the metric radius (WFOV corners)', () => {
    const { depth } = cal!;
    const table = depthRayTable(depth);
    expect(table.length).toBe(640 * 576 * 2);
    for (const [u, v] of [[0, 0], [639, 575], [320, 288], [17, 400], [600, 3]] as const) {
      const p = unproject(depth, [u, v], 1)!;
      expect(table[(v * 640 + u) * 2]).toBeCloseTo(p[0], 6);
      expect(table[(v * 640 + u) * 2 + 1]).toBeCloseTo(p[1], 6);
    }
    expect(table.some(Number.isNaN)).toBe(false);
    const wide = parseKinectCalibration(JSON_TEXT, 'WFOV_2X2BINNED', '720P').depth;
    const wideTable = depthRayTable(wide);
    expect(Number.isNaN(wideTable[0])).toBe(true); // corner pixel (0, 0)
    expect(Number.isNaN(wideTable[(256 * 512 + 256) * 2])).toBe(false);
  }, HEAVY_MS);
});

/** Depth image helpers: constant plane, box, subject mask. */
function fill(w: number, h: number, value: (u: number, v: number) => number): Uint16Array {
  const out = new Uint16Array(w * h);
  for (let v = 0; v < h; v++) for (let u = 0; u < w; u++) out[v * w + u] = value(u, v);
  return out;
}

/** The colour-camera ray of pixel (u, v) met with the plane z_d = zd of the depth camera: the point in depth coordinates, or null. */
function colorRayOnDepthPlane(cal: KinectCalibration, u: number, v: number, zd: number): [number, number, number] | null {
  const ray = unproject(cal.color, [u, v], 1);
  if (!ray) return null;
  // X_d = Rᵀ(X_c − t) with X_c = s·ray: z_d = col2(R)·(s·ray − t) = zd ⇒ s = (zd + col2·t) / (col2·ray)
  const R = cal.depthToColor.rotation;
  const t = cal.depthToColor.translationMm;
  const n = [R[2]!, R[5]!, R[8]!];
  const s = (zd + n[0]! * t[0] + n[1]! * t[1] + n[2]! * t[2]) / (n[0]! * ray[0] + n[1]! * ray[1] + n[2]! * ray[2]);
  const xc = [s * ray[0], s * ray[1], s];
  const d = [xc[0]! - t[0], xc[1]! - t[1], xc[2]! - t[2]];
  return [R[0]! * d[0]! + R[3]! * d[1]! + R[6]! * d[2]!, R[1]! * d[0]! + R[4]! * d[1]! + R[7]! * d[2]!, R[2]! * d[0]! + R[5]! * d[1]! + R[8]! * d[2]!];
}

describe.skipIf(missing !== null)('registerDepthReference (640×576 → 1280×720)', () => {
  let cal: KinectCalibration;
  let tables: RegisterTables;
  beforeAll(() => {
    cal = parseKinectCalibration(JSON_TEXT, 'NFOV_UNBINNED', '720P');
    tables = registerTables(cal);
  }, HEAVY_MS);

  it('z-buffer keys: nearer wins, the subject wins on equal depth, 0 is empty', () => {
    expect(packDepthKey(1000, false)).toBeGreaterThan(packDepthKey(1001, true));
    expect(packDepthKey(1000, true)).toBeGreaterThan(packDepthKey(1000, false));
    expect(unpackDepthKey(packDepthKey(1234, true))).toEqual([1234, 1]);
    expect(unpackDepthKey(packDepthKey(65535, false))).toEqual([65535, 0]);
    expect(unpackDepthKey(0)).toEqual([0, 0]);
    expect(packDepthKey(0x7fffffff - 1, false)).toBeGreaterThan(0);
  });

  for (const zd of [1000, 2000]) {
    it(`a plane at ${zd} mm: covers the depth camera's field of view, at the colour-camera depth of the plane`, () => {
      const { width: wd, height: hd } = cal.depth;
      const { width: wc, height: hc } = cal.color;
      const out = registerDepthReference(cal, fill(wd, hd, () => zd), null, tables);
      let inside = 0;
      let covered = 0;
      let outsideCovered = 0;
      let maxErr = 0;
      let sumErr = 0;
      for (let v = 0; v < hc; v += 2) {
        for (let u = 0; u < wc; u += 2) {
          const p = colorRayOnDepthPlane(cal, u, v, zd);
          const uv = p ? project(cal.depth, p) : null;
          // Inside the depth image with a one-pixel margin (footprints end at the pixel edges).
          const isInside = uv !== null && uv[0] >= 0.5 && uv[0] <= wd - 1.5 && uv[1] >= 0.5 && uv[1] <= hd - 1.5;
          const isOutside = uv === null || uv[0] < -1.5 || uv[0] > wd + 0.5 || uv[1] < -1.5 || uv[1] > hd + 0.5;
          const z = out.depth[v * wc + u]!;
          if (isInside) {
            inside++;
            if (z > 0) {
              covered++;
              const expected = depthToColorPoint(cal, p!)[2];
              maxErr = Math.max(maxErr, Math.abs(z - expected));
              sumErr += Math.abs(z - expected);
            }
          } else if (isOutside && z > 0) outsideCovered++;
        }
      }
      expect(inside).toBeGreaterThan(0.3 * (wc * hc) / 4);
      expect(covered / inside).toBeGreaterThan(0.999);
      expect(outsideCovered).toBe(0);
      // The colour camera is tilted ≈ 5° against the depth camera: z varies by ±25 mm over the plane at 1000 mm.
      // Error budget: ½ mm rounding + the plane's z change over ≈ 1 depth pixel (< 0.3 mm).
      expect(maxErr).toBeLessThan(1);
      expect(sumErr / covered).toBeLessThan(0.4);
      expect(out.subject.every((s) => s === 0)).toBe(true);
    }, HEAVY_MS);
  }

  it('parallax between 1000 mm and 2000 mm: the shift fx·tx·(1/z₁ − 1/z₂) that the 32 mm baseline predicts', () => {
    const { width: wd, height: hd } = cal.depth;
    const { width: wc, height: hc } = cal.color;
    // A marker: the subject flag on a 40×40 block of depth pixels around the image centre.
    const mask = new Uint8Array(wd * hd);
    for (let v = 268; v < 308; v++) for (let u = 300; u < 340; u++) mask[v * wd + u] = 1;
    const centroid = (zd: number): [number, number] => {
      const out = registerDepthReference(cal, fill(wd, hd, () => zd), mask, tables);
      let n = 0;
      let su = 0;
      let sv = 0;
      for (let v = 0; v < hc; v++) for (let u = 0; u < wc; u++) if (out.subject[v * wc + u]) (n++, (su += u), (sv += v));
      expect(n).toBeGreaterThan(1000);
      return [su / n, sv / n];
    };
    const near = centroid(1000);
    const far = centroid(2000);
    const [tx, ty] = cal.depthToColor.translationMm;
    const predictedU = cal.color.fx * tx * (1 / 1000 - 1 / 2000); // ≈ 611.8 · −32.08 / 2000 ≈ −9.8 px
    expect(predictedU).toBeLessThan(-9);
    expect(near[0] - far[0]).toBeLessThan(0);
    expect(Math.abs(near[0] - far[0] - predictedU)).toBeLessThan(0.1 * Math.abs(predictedU));
    // Vertically the baseline is 2.2 mm (≈ 0.7 px), plus the tilt's effect: small either way.
    expect(Math.abs(near[1] - far[1] - cal.color.fy * ty * (1 / 1000 - 1 / 2000))).toBeLessThan(1.5);
  }, HEAVY_MS);

  it('z-buffer: a near square occludes the far plane; its shadow (seen by the colour camera only) stays 0', () => {
    const { width: wd, height: hd } = cal.depth;
    const { width: wc, height: hc } = cal.color;
    const box = { u0: 260, u1: 380, v0: 230, v1: 350 };
    const inBox = (u: number, v: number, margin: number): boolean => u >= box.u0 - 0.5 + margin && u <= box.u1 - 0.5 - margin && v >= box.v0 - 0.5 + margin && v <= box.v1 - 0.5 - margin;
    const depth = fill(wd, hd, (u, v) => (inBox(u, v, 0) ? 1000 : 2000));
    const mask = new Uint8Array(wd * hd).map((_, i) => (inBox(i % wd, Math.floor(i / wd), 0) ? 1 : 0));
    const out = registerDepthReference(cal, depth, mask, tables);
    let square = 0;
    let shadow = 0;
    let far = 0;
    const wrong = { square: 0, shadow: 0, far: 0 };
    // Every other colour pixel (the classification needs two colour-ray intersections per pixel).
    for (let v = 0; v < hc; v += 2) {
      for (let u = 0; u < wc; u += 2) {
        const z = out.depth[v * wc + u]!;
        const s = out.subject[v * wc + u]!;
        const q = colorRayOnDepthPlane(cal, u, v, 1000);
        const qd = q ? project(cal.depth, q) : null;
        if (qd && inBox(qd[0], qd[1], 1.5)) {
          // The colour ray meets the square.
          square++;
          if (!(Math.abs(z - depthToColorPoint(cal, q!)[2]) < 1 && s === 1)) wrong.square++;
          continue;
        }
        if (qd && !inBox(qd[0], qd[1], -1.5)) {
          const p = colorRayOnDepthPlane(cal, u, v, 2000)!;
          const pd = project(cal.depth, p);
          if (pd && inBox(pd[0], pd[1], 1.5)) {
            // The colour camera sees the far plane there, the depth camera sees the square in front of it.
            shadow++;
            if (z !== 0 || s !== 0) wrong.shadow++;
          } else if (pd && !inBox(pd[0], pd[1], -1.5) && pd[0] > 1 && pd[0] < wd - 2 && pd[1] > 1 && pd[1] < hd - 2) {
            far++;
            if (!(Math.abs(z - depthToColorPoint(cal, p)[2]) < 1 && s === 0)) wrong.far++;
          }
        }
      }
    }
    expect(wrong).toEqual({ square: 0, shadow: 0, far: 0 });
    // Shadow width ≈ the parallax between the two depths (≈ 9.8 px) over the square's height (≈ 145 px).
    // Sampled every other pixel: counts are a quarter of the pixels'.
    expect(shadow).toBeGreaterThan((5 * 120) / 4);
    expect(square).toBeGreaterThan((120 * 120) / 4);
    expect(far).toBeGreaterThan(100_000 / 4);
  }, HEAVY_MS);

  it('invalid depth leaves holes; sizes are checked', () => {
    const { width: wd, height: hd } = cal.depth;
    const { width: wc } = cal.color;
    const depth = fill(wd, hd, (u, v) => (u >= 300 && u < 340 && v >= 270 && v < 310 ? 0 : 1500));
    const out = registerDepthReference(cal, depth, null, tables);
    // The colour pixel that sees depth pixel (320, 290) on the plane at 1500 mm.
    const p = project(cal.color, depthToColorPoint(cal, unproject(cal.depth, [320, 290], 1500)!))!;
    expect(out.depth[Math.round(p[1]) * wc + Math.round(p[0])]).toBe(0);
    expect(out.depth[Math.round(p[1]) * wc + Math.round(p[0]) + 60]).toBeGreaterThan(1400);
    expect(() => registerDepthReference(cal, new Uint16Array(10), null, tables)).toThrow(RangeError);
    expect(() => registerDepthReference(cal, depth, new Uint8Array(10), tables)).toThrow(RangeError);
  }, HEAVY_MS);
});
