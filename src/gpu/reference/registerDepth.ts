import { depthCornerRayTable, depthRayTable, depthToColorPoint, project, registerTables } from '../../sources/kinect/calibration';
import type { CameraIntrinsics, KinectCalibration, RegisterTables } from '../../types/kinect';
import { REGISTER_FOOTPRINT_MAX } from '../params/registerDepth';

/** Packs a registered depth (integer mm, ≥ 1) and subject flag into one z-buffer value: larger wins = nearer, subject on ties; 0 = empty. */
export function packDepthKey(depthMm: number, subject: boolean): number {
  return (0x7fffffff - depthMm) * 2 + (subject ? 1 : 0);
}

/** Inverse of packDepthKey: [depth mm, subject 0|1], [0, 0] for an empty entry. */
export function unpackDepthKey(key: number): [number, number] {
  if (key === 0) return [0, 0];
  return [0x7fffffff - Math.floor(key / 2), key % 2];
}

const f = Math.fround;

function f32Intrinsics(c: CameraIntrinsics): CameraIntrinsics {
  return {
    ...c,
    cx: f(c.cx),
    cy: f(c.cy),
    fx: f(c.fx),
    fy: f(c.fy),
    k: c.k.map(f) as CameraIntrinsics['k'],
    p1: f(c.p1),
    p2: f(c.p2),
    codx: f(c.codx),
    cody: f(c.cody),
    metricRadius: f(c.metricRadius),
  };
}

/** The calibration as the shader's uniforms hold it (every parameter rounded to float32). */
export function float32Calibration(cal: KinectCalibration): KinectCalibration {
  return {
    depth: f32Intrinsics(cal.depth),
    color: f32Intrinsics(cal.color),
    depthToColor: { rotation: cal.depthToColor.rotation.map(f), translationMm: cal.depthToColor.translationMm.map(f) as [number, number, number] },
  };
}

/**
 * Registers a depth image to the colour camera (reference of shaders/register_depth.wgsl,
 * float32 arithmetic step for step). For every valid depth pixel (d > 0, ray valid):
 * X_d = (x·d, y·d, d) from the ray table, X_c = R·X_d + t, depth z = ⌊Z_c + 0.5⌋ mm. Its
 * footprint in the colour image is the bounding box of its four corners (corner rays at the
 * same d, transformed and projected; a corner that does not project takes the centre's
 * projection), i.e. the colour pixels with integer centres in [⌈min⌉, ⌈max⌉) on each axis, as
 * the SDK's rgbz.c bounds its quads, clipped to REGISTER_FOOTPRINT_MAX around the centre and
 * to the image. Overlaps are resolved by a z-buffer: the nearest depth wins, the subject on
 * equal depth (packDepthKey). Unlike the SDK (which rasterises quads between neighbouring
 * pixel centres and interpolates depth), a depth discontinuity leaves the colour pixels between
 * the two surfaces empty instead of bridging them, and the depth is constant over a footprint.
 * @param depth [Hd, Wd] uint16 millimetres, 0 = invalid
 * @param subject [Hd, Wd] 1 = subject (any non-zero), 0 = not; null = no subject mask
 * @param tables precomputed registerTables(cal) (computed here when omitted)
 * @returns depth: [Hc, Wc] colour-camera z in integer mm, 0 where no depth sample lands;
 *   subject: [Hc, Wc] 1 where the winning sample is a subject pixel, else 0
 * @throws RangeError when depth or subject does not have Wd·Hd entries
 */
export function registerDepthReference(
  cal: KinectCalibration,
  depth: Uint16Array,
  subject: Uint8Array | null,
  tables: RegisterTables = registerTables(cal),
): { depth: Float32Array; subject: Float32Array } {
  const { width: wd, height: hd } = cal.depth;
  const { width: wc, height: hc } = cal.color;
  if (depth.length !== wd * hd) throw new RangeError(`depth has ${depth.length} samples, expected ${wd}×${hd}`);
  if (subject && subject.length !== wd * hd) throw new RangeError(`subject mask has ${subject.length} samples, expected ${wd}×${hd}`);
  const c32 = float32Calibration(cal);
  const color = c32.color;
  const half = REGISTER_FOOTPRINT_MAX / 2;
  const zbuffer = new Float64Array(wc * hc);
  const { rays, corners } = tables;

  const projectAt = (rx: number, ry: number, d: number): [number, number] | null => {
    if (Number.isNaN(rx) || Number.isNaN(ry)) return null;
    return project(color, depthToColorPoint(c32, [f(rx * d), f(ry * d), d], f), f);
  };

  for (let v = 0; v < hd; v++) {
    for (let u = 0; u < wd; u++) {
      const i = v * wd + u;
      const d = depth[i]!;
      if (d === 0) continue;
      const rx = rays[i * 2]!;
      const ry = rays[i * 2 + 1]!;
      if (Number.isNaN(rx) || Number.isNaN(ry)) continue;
      const pc = depthToColorPoint(c32, [f(rx * d), f(ry * d), d], f);
      if (!(pc[2] > 0)) continue;
      const zMm = Math.floor(f(pc[2] + 0.5));
      if (zMm < 1) continue;
      const centre = project(color, pc, f);
      if (!centre) continue;
      let xmin = Infinity;
      let xmax = -Infinity;
      let ymin = Infinity;
      let ymax = -Infinity;
      for (let c = 0; c < 4; c++) {
        const k = ((v + (c >> 1)) * (wd + 1) + u + (c & 1)) * 2;
        const q = projectAt(corners[k]!, corners[k + 1]!, d) ?? centre;
        xmin = Math.min(xmin, q[0]);
        xmax = Math.max(xmax, q[0]);
        ymin = Math.min(ymin, q[1]);
        ymax = Math.max(ymax, q[1]);
      }
      const x0 = Math.max(Math.ceil(xmin), Math.ceil(f(centre[0] - half)), 0);
      const x1 = Math.min(Math.ceil(xmax), Math.ceil(f(centre[0] + half)), wc);
      const y0 = Math.max(Math.ceil(ymin), Math.ceil(f(centre[1] - half)), 0);
      const y1 = Math.min(Math.ceil(ymax), Math.ceil(f(centre[1] + half)), hc);
      const key = packDepthKey(zMm, subject !== null && subject[i] !== 0);
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          if (key > zbuffer[y * wc + x]!) zbuffer[y * wc + x] = key;
        }
      }
    }
  }

  const outDepth = new Float32Array(wc * hc);
  const outSubject = new Float32Array(wc * hc);
  for (let j = 0; j < wc * hc; j++) {
    const [z, s] = unpackDepthKey(zbuffer[j]!);
    outDepth[j] = z;
    outSubject[j] = s;
  }
  return { depth: outDepth, subject: outSubject };
}
