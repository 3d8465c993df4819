// Azure Kinect calibration: the raw calibration.json that the device stores and k4arecorder
// attaches to its recordings, turned into per-mode camera models, and the camera maths that
// registration needs (projection, iterative unprojection, the depth camera's ray table).
// Everything here restates the Azure Kinect Sensor SDK (microsoft/Azure-Kinect-Sensor-SDK):
//   src/calibration/calibration.c                  JSON fields, metres → millimetres, metric radius default
//   include/k4a/k4atypes.h                         parameter order cx cy fx fy k1..k6 codx cody p2 p1
//   src/transformation/mode_specific_calibration.c per-mode scaling, crop offsets, the −0.5 pixel shift
//   src/transformation/extrinsic_transformation.c  source→target = world→target · (world→source)⁻¹
//   src/transformation/intrinsic_transformation.c  Brown–Conrady projection and iterative unprojection
//   src/transformation/transformation.c            the xy (ray) table of the depth camera
// Runs in the browser and in Node.
import { InputError } from '../../errors';
import type { CameraIntrinsics, KinectCalibration, RegisterTables } from '../../types/kinect';

/** A mode's geometry (k4a_camera_calibration_mode_info_t): the calibration scaled to `binned`, shifted by −`crop`, output `size`. */
interface ModeInfo {
  binned: [number, number];
  crop: [number, number];
  size: [number, number];
}

/** Depth modes (tag K4A_DEPTH_MODE) → geometry, from transformation_get_mode_specific_depth_camera_calibration. */
const DEPTH_MODES: Readonly<Record<string, ModeInfo>> = {
  NFOV_2X2BINNED: { binned: [512, 512], crop: [96, 90], size: [320, 288] },
  NFOV_UNBINNED: { binned: [1024, 1024], crop: [192, 180], size: [640, 576] },
  WFOV_2X2BINNED: { binned: [512, 512], crop: [0, 0], size: [512, 512] },
  WFOV_UNBINNED: { binned: [1024, 1024], crop: [0, 0], size: [1024, 1024] },
  PASSIVE_IR: { binned: [1024, 1024], crop: [0, 0], size: [1024, 1024] },
};

/** Colour resolutions (K4A_COLOR_MODE after the format) → geometry, from transformation_get_mode_specific_color_camera_calibration (4:3 sensor calibration). */
const COLOR_RESOLUTIONS: Readonly<Record<string, ModeInfo>> = {
  '720P': { binned: [1280, 960], crop: [0, 120], size: [1280, 720] },
  '1080P': { binned: [1920, 1440], crop: [0, 180], size: [1920, 1080] },
  '1440P': { binned: [2560, 1920], crop: [0, 240], size: [2560, 1440] },
  '1536P': { binned: [2048, 1536], crop: [0, 0], size: [2048, 1536] },
  '2160P': { binned: [3840, 2880], crop: [0, 360], size: [3840, 2160] },
  '3072P': { binned: [4096, 3072], crop: [0, 0], size: [4096, 3072] },
};

/** Legacy 16:9 colour calibrations are first re-expressed on the 4:3 sensor (unitised, 0-cornered). */
const LEGACY_16_9_TO_4_3: ModeInfo = { binned: [4096, 2304], crop: [0, -384], size: [4096, 3072] };

/** The depth modes parseKinectCalibration accepts. */
export const KINECT_DEPTH_MODES: readonly string[] = Object.keys(DEPTH_MODES);
/** The colour resolutions parseKinectCalibration accepts. */
export const KINECT_COLOR_RESOLUTIONS: readonly string[] = Object.keys(COLOR_RESOLUTIONS);

/** One camera of the raw file, as the SDK's k4a_calibration_camera_t holds it (normalised intrinsics). */
interface RawCamera {
  /** cx cy fx fy k1..k6 codx cody p2 p1 (ModelParameters order). */
  params: number[];
  sensorWidth: number;
  sensorHeight: number;
  metricRadius: number;
  rotation: number[];
  /** Millimetres. */
  translation: [number, number, number];
}

const DEPTH_LOCATION = 'CALIBRATION_CameraLocationD0';
const COLOR_LOCATION = 'CALIBRATION_CameraLocationPV0';
const BROWN_CONRADY = 'CALIBRATION_LensDistortionModelBrownConrady';

function corrupt(message: string): InputError {
  return new InputError('corrupt-input', `Azure Kinect calibration: ${message}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numbers(value: unknown, count: number, what: string): number[] {
  if (!Array.isArray(value) || value.length < count || !value.slice(0, count).every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw corrupt(`${what} must be an array of at least ${count} finite numbers.`);
  }
  return (value as number[]).slice(0, count);
}

function number(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw corrupt(`${what} must be a number.`);
  return value;
}

/** Reads one camera like calibration.c's fill_in_camera_cal_data (translation metres → millimetres, metric radius 0 → 1.7). */
function readCamera(cameras: unknown[], location: string, name: string): RawCamera {
  const camera = cameras.find((c) => isRecord(c) && c.Location === location);
  if (!isRecord(camera)) throw corrupt(`no ${name} camera (Location ${location}) in the file — it is not a complete Azure Kinect calibration.`);
  const intrinsics = camera.Intrinsics;
  const rt = camera.Rt;
  if (!isRecord(intrinsics)) throw corrupt(`the ${name} camera has no Intrinsics.`);
  if (!isRecord(rt)) throw corrupt(`the ${name} camera has no Rt.`);
  if (intrinsics.ModelType !== BROWN_CONRADY) {
    throw new InputError(
      'unsupported-input',
      `Azure Kinect calibration: the ${name} camera's lens model ${String(intrinsics.ModelType)} is not supported — only ${BROWN_CONRADY} (retail devices).`,
    );
  }
  const count = number(intrinsics.ModelParameterCount, `${name} ModelParameterCount`);
  if (count < 14 || count > 15) throw corrupt(`${name} ModelParameterCount is ${count}, expected 14.`);
  const params = numbers(intrinsics.ModelParameters, 14, `${name} ModelParameters`);
  const radius = number(camera.MetricRadius, `${name} MetricRadius`);
  const translation = numbers(rt.Translation, 3, `${name} Rt.Translation`).map((v) => v * 1000) as [number, number, number];
  return {
    params,
    sensorWidth: number(camera.SensorWidth, `${name} SensorWidth`),
    sensorHeight: number(camera.SensorHeight, `${name} SensorHeight`),
    metricRadius: radius <= 0.0001 ? 1.7 : radius,
    rotation: numbers(rt.Rotation, 9, `${name} Rt.Rotation`),
    translation,
  };
}

/**
 * transformation_get_mode_specific_camera_calibration: scale the normalised principal point
 * and focal length to `binned`, subtract the crop offset, then either shift by −0.5 (pixelised,
 * 0-centred: the SDK's convention) or normalise again by the output size.
 */
function modeSpecific(params: number[], mode: ModeInfo, pixelised: boolean): number[] {
  const out = params.slice();
  const cx = params[0]! * mode.binned[0] - mode.crop[0];
  const cy = params[1]! * mode.binned[1] - mode.crop[1];
  const fx = params[2]! * mode.binned[0];
  const fy = params[3]! * mode.binned[1];
  if (pixelised) {
    out[0] = cx - 0.5;
    out[1] = cy - 0.5;
    out[2] = fx;
    out[3] = fy;
  } else {
    out[0] = cx / mode.size[0];
    out[1] = cy / mode.size[1];
    out[2] = fx / mode.size[0];
    out[3] = fy / mode.size[1];
  }
  return out;
}

function intrinsics(params: number[], mode: ModeInfo, metricRadius: number, name: string): CameraIntrinsics {
  const [cx, cy, fx, fy, k1, k2, k3, k4, k5, k6, codx, cody, p2, p1] = params as [number, number, number, number, number, number, number, number, number, number, number, number, number, number];
  if (!(fx > 0 && fy > 0)) throw corrupt(`the ${name} camera's focal length must be positive (fx ${fx}, fy ${fy}).`);
  return { width: mode.size[0], height: mode.size[1], cx, cy, fx, fy, k: [k1, k2, k3, k4, k5, k6], p1, p2, codx, cody, metricRadius };
}

/** 3×3 row-major product a·b. */
function mul3(a: readonly number[], b: readonly number[]): number[] {
  const out = new Array<number>(9);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) out[r * 3 + c] = a[r * 3]! * b[c]! + a[r * 3 + 1]! * b[3 + c]! + a[r * 3 + 2]! * b[6 + c]!;
  return out;
}

function transpose3(a: readonly number[]): number[] {
  return [a[0]!, a[3]!, a[6]!, a[1]!, a[4]!, a[7]!, a[2]!, a[5]!, a[8]!];
}

function apply3(a: readonly number[], v: readonly number[]): [number, number, number] {
  return [a[0]! * v[0]! + a[1]! * v[1]! + a[2]! * v[2]!, a[3]! * v[0]! + a[4]! * v[1]! + a[5]! * v[2]!, a[6]! * v[0]! + a[7]! * v[1]! + a[8]! * v[2]!];
}

/**
 * Parses the raw Azure Kinect calibration (the device's calibration.json, as k4arecorder
 * attaches it) for one depth mode and colour resolution, as the SDK's
 * k4a_calibration_get_from_raw does: each camera's Rt is world→camera (the depth camera is
 * the world, Rt = identity on retail devices), and depth→colour = Rt_c · Rt_d⁻¹
 * (extrinsic_transformation.c), translation in millimetres.
 * @param json the calibration.json text ({"CalibrationInformation": {"Cameras": [...]}})
 * @param depthMode as tag K4A_DEPTH_MODE: NFOV_2X2BINNED | NFOV_UNBINNED | WFOV_2X2BINNED | WFOV_UNBINNED | PASSIVE_IR
 * @param colorResolution the part of K4A_COLOR_MODE after the format: 720P | 1080P | 1440P | 1536P | 2160P | 3072P
 * @throws InputError 'corrupt-input' for malformed JSON, a missing depth (D0) or colour (PV0)
 *   camera or malformed fields; 'unsupported-input' for an unknown mode, a lens model other than
 *   Brown–Conrady or a sensor geometry the SDK does not know (depth not 1024×1024, colour neither 4:3 nor 16:9)
 */
export function parseKinectCalibration(json: string, depthMode: string, colorResolution: string): KinectCalibration {
  const depthInfo = DEPTH_MODES[depthMode];
  if (!depthInfo) {
    throw new InputError('unsupported-input', `Azure Kinect calibration: unknown depth mode "${depthMode}" — expected one of ${KINECT_DEPTH_MODES.join(', ')}.`);
  }
  const colorInfo = COLOR_RESOLUTIONS[colorResolution];
  if (!colorInfo) {
    throw new InputError(
      'unsupported-input',
      `Azure Kinect calibration: unknown colour resolution "${colorResolution}" — expected one of ${KINECT_COLOR_RESOLUTIONS.join(', ')}.`,
    );
  }
  let root: unknown;
  try {
    root = JSON.parse(json);
  } catch (err) {
    throw new InputError('corrupt-input', `Azure Kinect calibration: not valid JSON (${(err as Error).message}).`, { cause: err });
  }
  const info = isRecord(root) ? root.CalibrationInformation : undefined;
  const cameras = isRecord(info) ? info.Cameras : undefined;
  if (!Array.isArray(cameras)) throw corrupt('no CalibrationInformation.Cameras array — this is not an Azure Kinect calibration.json.');
  const depthRaw = readCamera(cameras, DEPTH_LOCATION, 'depth');
  const colorRaw = readCamera(cameras, COLOR_LOCATION, 'colour');

  if (depthRaw.sensorWidth !== 1024 || depthRaw.sensorHeight !== 1024) {
    throw new InputError('unsupported-input', `Azure Kinect calibration: depth sensor ${depthRaw.sensorWidth}×${depthRaw.sensorHeight}, the SDK's modes need 1024×1024.`);
  }
  const depth = intrinsics(modeSpecific(depthRaw.params, depthInfo, true), depthInfo, depthRaw.metricRadius, 'depth');

  // Integer arithmetic as in the C source: 16:9 legacy calibrations are converted to 4:3 first.
  const w = Math.trunc(colorRaw.sensorWidth);
  const h = Math.trunc(colorRaw.sensorHeight);
  let colorParams: number[];
  if (Math.trunc((w * 9) / 16) === h) colorParams = modeSpecific(colorRaw.params, LEGACY_16_9_TO_4_3, false);
  else if (Math.trunc((w * 3) / 4) === h) colorParams = colorRaw.params;
  else throw new InputError('unsupported-input', `Azure Kinect calibration: colour sensor ${w}×${h} is neither 4:3 nor 16:9.`);
  const color = intrinsics(modeSpecific(colorParams, colorInfo, true), colorInfo, colorRaw.metricRadius, 'colour');

  // source→target = world→target · source→world, source→world = (Rᵀ, −Rᵀ·t).
  const depthToWorldR = transpose3(depthRaw.rotation);
  const depthToWorldT = apply3(depthToWorldR, depthRaw.translation).map((v) => -v);
  const rotation = mul3(colorRaw.rotation, depthToWorldR);
  const rt = apply3(colorRaw.rotation, depthToWorldT);
  const translationMm: [number, number, number] = [rt[0] + colorRaw.translation[0], rt[1] + colorRaw.translation[1], rt[2] + colorRaw.translation[2]];
  return { depth, color, depthToColor: { rotation, translationMm } };
}

/** A rounding applied after every arithmetic step: the identity (float64) or Math.fround (float32, as a shader computes). */
export type Rounding = (x: number) => number;
const exact: Rounding = (x) => x;

/**
 * Distorts and projects a normalised point (x/z, y/z) to pixels: the SDK's
 * transformation_project_internal for Brown–Conrady, step for step (so that `round = Math.fround`
 * reproduces float32 arithmetic).
 * @returns [u, v] in pixels (0,0 = centre of the top-left pixel), or null when x² + y² exceeds metricRadius²
 */
export function projectNormalized(intr: CameraIntrinsics, x: number, y: number, round: Rounding = exact): [number, number] | null {
  const r = round;
  const [k1, k2, k3, k4, k5, k6] = intr.k;
  const xp = r(x - intr.codx);
  const yp = r(y - intr.cody);
  const xp2 = r(xp * xp);
  const yp2 = r(yp * yp);
  const xyp = r(xp * yp);
  const rs = r(xp2 + yp2);
  if (rs > r(intr.metricRadius * intr.metricRadius)) return null;
  const rss = r(rs * rs);
  const rsc = r(rss * rs);
  const a = r(r(r(1 + r(k1 * rs)) + r(k2 * rss)) + r(k3 * rsc));
  const b = r(r(r(1 + r(k4 * rs)) + r(k5 * rss)) + r(k6 * rsc));
  const bi = b !== 0 ? r(1 / b) : 1;
  const d = r(a * bi);
  const rs2xp2 = r(rs + r(2 * xp2));
  const rs2yp2 = r(rs + r(2 * yp2));
  const twoXyp = r(2 * xyp);
  const xpd = r(r(xp * d) + r(r(rs2xp2 * intr.p2) + r(twoXyp * intr.p1)));
  const ypd = r(r(yp * d) + r(r(rs2yp2 * intr.p1) + r(twoXyp * intr.p2)));
  return [r(r(r(xpd + intr.codx) * intr.fx) + intr.cx), r(r(r(ypd + intr.cody) * intr.fy) + intr.cy)];
}

/**
 * Projects a 3-D point in the camera's frame to pixels (the SDK's transformation_project).
 * @param point [x, y, z], any length unit
 * @param round rounding after every step (Math.fround: the shader's float32 arithmetic; default exact)
 * @returns [u, v] pixels, or null when z ≤ 0 or the point lies outside the metric radius
 */
export function project(intr: CameraIntrinsics, point: readonly [number, number, number], round: Rounding = exact): [number, number] | null {
  const z = point[2];
  if (!(z > 0)) return null;
  return projectNormalized(intr, round(point[0] / z), round(point[1] / z), round);
}

/** Projection of (x, y) and its Jacobian ∂(u,v)/∂(x,y), row-major (the Jacobian branch of transformation_project_internal). */
function projectWithJacobian(intr: CameraIntrinsics, x: number, y: number): { uv: [number, number]; J: [number, number, number, number] } | null {
  const uv = projectNormalized(intr, x, y);
  if (!uv) return null;
  const [k1, k2, k3, k4, k5, k6] = intr.k;
  const { fx, fy, p1, p2 } = intr;
  const xp = x - intr.codx;
  const yp = y - intr.cody;
  const rs = xp * xp + yp * yp;
  const rss = rs * rs;
  const a = 1 + k1 * rs + k2 * rss + k3 * rss * rs;
  const b = 1 + k4 * rs + k5 * rss + k6 * rss * rs;
  const bi = b !== 0 ? 1 / b : 1;
  const d = a * bi;
  const dudrs = k1 + 2 * k2 * rs + 3 * k3 * rss;
  const dvdrs = k4 + 2 * k5 * rs + 3 * k6 * rss;
  const dddrs2 = (dudrs * b - a * dvdrs) * bi * bi * 2;
  const xyd = yp * xp * dddrs2;
  return {
    uv,
    J: [
      fx * (d + xp * xp * dddrs2 + 6 * xp * p2 + 2 * yp * p1),
      fx * (xyd + 2 * yp * p2 + 2 * xp * p1),
      fy * (xyd + 2 * xp * p1 + 2 * yp * p2),
      fy * (d + yp * yp * dddrs2 + 6 * yp * p1 + 2 * xp * p2),
    ],
  };
}

/**
 * Undistorts a pixel to its normalised ray (x/z, y/z): the SDK's transformation_unproject_internal
 * (closed-form radial inverse and tangential correction as the first guess, then up to 20
 * Gauss–Newton steps of transformation_iterative_unproject; invalid when the squared pixel error
 * stays above 1e-6 or an iterate leaves the metric radius).
 * @returns [x/z, y/z], or null when invalid
 */
export function unprojectNormalized(intr: CameraIntrinsics, u: number, v: number): [number, number] | null {
  const [k1, k2, k3, k4, k5, k6] = intr.k;
  const xpd = (u - intr.cx) / intr.fx - intr.codx;
  const ypd = (v - intr.cy) / intr.fy - intr.cody;
  const rs = xpd * xpd + ypd * ypd;
  const rss = rs * rs;
  const rsc = rss * rs;
  const a = 1 + k1 * rs + k2 * rss + k3 * rsc;
  const b = 1 + k4 * rs + k5 * rss + k6 * rsc;
  const ai = a !== 0 ? 1 / a : 1;
  let x = xpd * ai * b;
  let y = ypd * ai * b;
  // The SDK's approximate tangential correction, verbatim (its y term reads xx + 3·xx); only a first guess.
  const twoXy = 2 * x * y;
  const xx = x * x;
  const yy = y * y;
  x -= (yy + 3 * xx) * intr.p2 + twoXy * intr.p1;
  y -= (xx + 3 * xx) * intr.p1 + twoXy * intr.p2;
  x += intr.codx;
  y += intr.cody;

  let bestX = 0;
  let bestY = 0;
  let bestErr = Number.MAX_VALUE;
  const maxPasses = 20;
  for (let pass = 0; pass < maxPasses; pass++) {
    const p = projectWithJacobian(intr, x, y);
    if (!p) return null;
    const ex = u - p.uv[0];
    const ey = v - p.uv[1];
    const err = ex * ex + ey * ey;
    if (err >= bestErr) {
      x = bestX;
      y = bestY;
      break;
    }
    bestErr = err;
    bestX = x;
    bestY = y;
    if (pass + 1 === maxPasses || bestErr < 1e-22) break;
    const [j0, j1, j2, j3] = p.J;
    const inv = 1 / (j0 * j3 - j1 * j2);
    x += inv * (j3 * ex - j1 * ey);
    y += inv * (-j2 * ex + j0 * ey);
  }
  return bestErr > 1e-6 ? null : [x, y];
}

/**
 * Unprojects a pixel at depth z to a 3-D point in the camera's frame (the SDK's transformation_unproject).
 * @param uv pixel coordinates (0,0 = centre of the top-left pixel)
 * @param z depth along the optical axis (e.g. millimetres)
 * @returns [x, y, z] in z's unit, or null when z = 0 or the pixel does not unproject
 */
export function unproject(intr: CameraIntrinsics, uv: readonly [number, number], z: number): [number, number, number] | null {
  if (z === 0) return null;
  const xy = unprojectNormalized(intr, uv[0], uv[1]);
  return xy ? [xy[0] * z, xy[1] * z, z] : null;
}

/**
 * The depth camera's xy table (transformation_init_xy_tables): the normalised ray (x/z, y/z) of
 * every pixel centre, computed once per calibration; a depth sample d (mm) at (u, v) is the
 * point (x·d, y·d, d).
 * @returns Float32Array [H, W, 2], NaN in both channels where the pixel does not unproject
 */
export function depthRayTable(intr: CameraIntrinsics): Float32Array {
  const table = new Float32Array(intr.width * intr.height * 2);
  for (let v = 0; v < intr.height; v++) {
    for (let u = 0; u < intr.width; u++) {
      const xy = unprojectNormalized(intr, u, v);
      const i = (v * intr.width + u) * 2;
      table[i] = xy ? xy[0] : Number.NaN;
      table[i + 1] = xy ? xy[1] : Number.NaN;
    }
  }
  return table;
}

/**
 * Rays through the pixel corners: entry (j, i) is the normalised ray of the point (i − 0.5, j − 0.5),
 * the top-left corner of pixel (i, j); the registration uses them for each depth pixel's footprint.
 * @returns Float32Array [H+1, W+1, 2], NaN where the corner does not unproject
 */
export function depthCornerRayTable(intr: CameraIntrinsics): Float32Array {
  const w = intr.width + 1;
  const table = new Float32Array(w * (intr.height + 1) * 2);
  for (let j = 0; j <= intr.height; j++) {
    for (let i = 0; i < w; i++) {
      const xy = unprojectNormalized(intr, i - 0.5, j - 0.5);
      table[(j * w + i) * 2] = xy ? xy[0] : Number.NaN;
      table[(j * w + i) * 2 + 1] = xy ? xy[1] : Number.NaN;
    }
  }
  return table;
}

/** X_c = R·X_d + t for a depth-camera point (millimetres), with `round` after every step. */
export function depthToColorPoint(cal: KinectCalibration, p: readonly [number, number, number], round: Rounding = exact): [number, number, number] {
  const R = cal.depthToColor.rotation;
  const t = cal.depthToColor.translationMm;
  const r = round;
  const row = (i: number): number => r(r(r(r(R[i * 3]! * p[0]) + r(R[i * 3 + 1]! * p[1])) + r(R[i * 3 + 2]! * p[2])) + t[i]!);
  return [row(0), row(1), row(2)];
}

/** Computes the ray and corner tables of the calibration's depth camera (what the depth registration reads). */
export function registerTables(cal: KinectCalibration): RegisterTables {
  return { rays: depthRayTable(cal.depth), corners: depthCornerRayTable(cal.depth) };
}
