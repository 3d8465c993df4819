// Browser-side cases for the Azure Kinect depth → colour registration: shaders/register_depth.wgsl
// (through src/gpu/passes/registerDepth.ts) and src/gpu/reference/registerDepth.ts on the same
// synthetic depth scene. Registered as window.registerCases (test/gpu/harness.ts imports this
// module); driven by test/gpu/registerDepth.spec.ts.
import { createRegisterDepthPass } from '../../../src/gpu/passes/registerDepth';
import { registerDepthReference } from '../../../src/gpu/reference/registerDepth';
import { registerTables, parseKinectCalibration } from '../../../src/sources/kinect/calibration';
import type { KinectCalibration } from '../../../src/types/kinect';
import { gpu, output, read, rng, submit, U } from './util';

/**
 * A small calibration with the shared device's distortion, rotation and 32 mm baseline, its
 * pixel geometry scaled by 1/10: depth 64×58 (NFOV_UNBINNED 640×576), colour 128×72 (720P).
 * Principal points scaled about pixel edges: c' = (c + 0.5)/10 − 0.5.
 */
export const SMALL_CALIBRATION: KinectCalibration = {
  depth: {
    width: 64,
    height: 58,
    cx: 32.828,
    cy: 34.433,
    fx: 50.461,
    fy: 50.473,
    k: [0.54794, -0.020971, -0.0026522, 0.88968, 0.08613, -0.01391],
    p1: 2.0558e-5,
    p2: -7.2104e-5,
    codx: 0,
    cody: 0,
    metricRadius: 1.74,
  },
  color: {
    width: 128,
    height: 72,
    cx: 63.480,
    cy: 36.135,
    fx: 61.180,
    fy: 61.193,
    k: [0.33012, -2.4894, 1.45367, 0.208912, -2.30292, 1.37513],
    p1: -1.6178e-4,
    p2: -1.2945e-4,
    codx: 0,
    cody: 0,
    metricRadius: 1.7,
  },
  depthToColor: {
    rotation: [0.99999923, 0.00118176, -0.00044814, -0.00113875, 0.99628061, 0.08616032, 0.00054829, -0.08615975, 0.99628121],
    translationMm: [-32.0834, -2.20537, 3.88369],
  },
};

/**
 * A random depth scene for a wd×hd depth camera: a tilted background plane (1.6–3 m), three
 * boxes nearer (0.5–1.4 m, one of them partly hidden behind another), two rectangular holes
 * (0 = invalid) and 3 % scattered invalid pixels. Subject mask: the first two boxes, plus 1 %
 * scattered subject pixels.
 */
function scene(wd: number, hd: number, seed: number): { depth: Uint16Array; subject: Uint8Array } {
  const rand = rng(seed);
  const depth = new Uint16Array(wd * hd);
  const subject = new Uint8Array(wd * hd);
  const base = 1600 + 1400 * rand();
  const gx = (rand() - 0.5) * 1200;
  const gy = (rand() - 0.5) * 800;
  for (let v = 0; v < hd; v++) for (let u = 0; u < wd; u++) depth[v * wd + u] = Math.round(base + (gx * u) / wd + (gy * v) / hd);
  const rect = (): [number, number, number, number] => {
    const w = Math.floor(wd * (0.15 + 0.25 * rand()));
    const h = Math.floor(hd * (0.15 + 0.3 * rand()));
    const u0 = Math.floor(rand() * (wd - w));
    const v0 = Math.floor(rand() * (hd - h));
    return [u0, v0, u0 + w, v0 + h];
  };
  for (let b = 0; b < 3; b++) {
    const [u0, v0, u1, v1] = rect();
    const z = 500 + 900 * rand();
    const slope = (rand() - 0.5) * 4;
    for (let v = v0; v < v1; v++) {
      for (let u = u0; u < u1; u++) {
        depth[v * wd + u] = Math.round(z + slope * (u - u0));
        subject[v * wd + u] = b < 2 ? 1 : 0;
      }
    }
  }
  for (let h = 0; h < 2; h++) {
    const [u0, v0, u1, v1] = rect();
    for (let v = v0; v < (v0 + v1) / 2; v++) for (let u = u0; u < (u0 + u1) / 2; u++) depth[v * wd + u] = 0;
  }
  for (let i = 0; i < wd * hd; i++) {
    if (rand() < 0.03) depth[i] = 0;
    if (rand() < 0.01) subject[i] = 1;
  }
  return { depth, subject };
}

/** GPU vs reference registration of one frame. */
export interface RegisterComparison {
  /** Colour pixels with depth in the reference. */
  covered: number;
  /** Colour pixels whose reference subject flag is 1. */
  subjectPixels: number;
  /** Pixels with depth in both. */
  both: number;
  /** Of those, how many differ in depth, and by how much at most (mm). */
  depthMismatch: number;
  maxDepthDiff: number;
  /** Of those, how many differ in the subject flag. */
  subjectMismatch: number;
  /** Pixels with depth only on the GPU / only in the reference. */
  onlyGpu: number;
  onlyReference: number;
  /** GPU pixels with subject 1 but no depth (must be 0). */
  subjectWithoutDepth: number;
  /** Colour image width, height. */
  colorSize: [number, number];
}

function compareRegistration(gpuDepth: Float32Array, gpuSubject: Float32Array, ref: { depth: Float32Array; subject: Float32Array }, size: [number, number]): RegisterComparison {
  const r: RegisterComparison = {
    covered: 0,
    subjectPixels: 0,
    both: 0,
    depthMismatch: 0,
    maxDepthDiff: 0,
    subjectMismatch: 0,
    onlyGpu: 0,
    onlyReference: 0,
    subjectWithoutDepth: 0,
    colorSize: size,
  };
  for (let i = 0; i < ref.depth.length; i++) {
    const g = gpuDepth[i]!;
    const e = ref.depth[i]!;
    if (e > 0) r.covered++;
    if (ref.subject[i] === 1) r.subjectPixels++;
    if (g === 0 && gpuSubject[i] !== 0) r.subjectWithoutDepth++;
    if (g > 0 && e > 0) {
      r.both++;
      if (g !== e) {
        r.depthMismatch++;
        r.maxDepthDiff = Math.max(r.maxDepthDiff, Math.abs(g - e));
      }
      if (gpuSubject[i] !== ref.subject[i]) r.subjectMismatch++;
    } else if (g > 0) r.onlyGpu++;
    else if (e > 0) r.onlyReference++;
  }
  return r;
}

/** Runs the pass on `frames` in turn (same binding: the z-buffer must be cleared between them) and compares the last with the reference. */
async function run(cal: KinectCalibration, frames: Array<{ depth: Uint16Array; subject: Uint8Array | null }>): Promise<RegisterComparison> {
  const device = await gpu();
  const tables = registerTables(cal);
  const pass = createRegisterDepthPass(device);
  const depthOut = output(device, cal.color.width, cal.color.height, 'r32float', U.STORAGE_BINDING);
  const subjectOut = output(device, cal.color.width, cal.color.height, 'r32float', U.STORAGE_BINDING);
  try {
    pass.setCalibration(cal, tables);
    const b = pass.bind({ depth: depthOut, subject: subjectOut });
    for (const frame of frames) await submit(device, (e) => pass.encode(e, b, frame.depth, frame.subject));
    const last = frames[frames.length - 1]!;
    const gpuDepth = (await read(device, depthOut, 1)).data;
    const gpuSubject = (await read(device, subjectOut, 1)).data;
    return compareRegistration(gpuDepth, gpuSubject, registerDepthReference(cal, last.depth, last.subject, tables), [cal.color.width, cal.color.height]);
  } finally {
    pass.dispose();
    depthOut.destroy();
    subjectOut.destroy();
  }
}

export const registerCases = {
  /**
   * The small synthetic calibration (64×58 → 128×72): a first random frame, then the compared
   * one (so stale z-buffer contents would show).
   * @param withSubject whether the subject mask is uploaded (else the subject output must be 0)
   * @param metricRadius optional [depth, colour] metric radii: small ones make the depth ray
   *   table NaN towards the corners and colour projections fail (the invalid paths)
   */
  async small(seed: number, withSubject: boolean, metricRadius?: [number, number]): Promise<RegisterComparison> {
    const cal: KinectCalibration = metricRadius
      ? {
          ...SMALL_CALIBRATION,
          depth: { ...SMALL_CALIBRATION.depth, metricRadius: metricRadius[0] },
          color: { ...SMALL_CALIBRATION.color, metricRadius: metricRadius[1] },
        }
      : SMALL_CALIBRATION;
    const first = scene(64, 58, seed + 1000);
    const s = scene(64, 58, seed);
    return run(cal, [first, { depth: s.depth, subject: withSubject ? s.subject : null }]);
  },

  /** The shared device's calibration at full size (NFOV_UNBINNED 640×576 → 720P 1280×720) on a random scene. */
  async full(calibrationJson: string, seed: number): Promise<RegisterComparison> {
    const cal = parseKinectCalibration(calibrationJson, 'NFOV_UNBINNED', '720P');
    return run(cal, [scene(640, 576, seed)]);
  },

  /** Error paths of the pass: wrong depth size, output size, stale binding. @returns the messages */
  async errors(): Promise<string[]> {
    const device = await gpu();
    const pass = createRegisterDepthPass(device);
    const messages: string[] = [];
    const catchMessage = (fn: () => void): void => {
      try {
        fn();
        messages.push('no error');
      } catch (err) {
        messages.push(`${(err as Error).name}: ${(err as Error).message}`);
      }
    };
    const small = output(device, 128, 72, 'r32float', U.STORAGE_BINDING);
    const small2 = output(device, 128, 72, 'r32float', U.STORAGE_BINDING);
    const wrong = output(device, 100, 72, 'r32float', U.STORAGE_BINDING);
    try {
      catchMessage(() => pass.bind({ depth: small, subject: small2 }));
      pass.setCalibration(SMALL_CALIBRATION, registerTables(SMALL_CALIBRATION));
      catchMessage(() => pass.bind({ depth: wrong, subject: small2 }));
      const b = pass.bind({ depth: small, subject: small2 });
      const encoder = device.createCommandEncoder();
      catchMessage(() => pass.encode(encoder, b, new Uint16Array(10)));
      catchMessage(() => pass.encode(encoder, b, new Uint16Array(64 * 58), new Uint8Array(3)));
      pass.setCalibration(SMALL_CALIBRATION, registerTables(SMALL_CALIBRATION));
      catchMessage(() => pass.encode(encoder, b, new Uint16Array(64 * 58)));
      return messages;
    } finally {
      pass.dispose();
      small.destroy();
      small2.destroy();
      wrong.destroy();
    }
  },
};

declare global {
  interface Window {
    registerCases: typeof registerCases;
  }
}
window.registerCases = registerCases;
