// Azure Kinect as every layer sees it: the camera models of a calibration (parsed and used by
// src/sources/kinect/calibration.ts) and a source of colour frames with depth.
import type { DepthInput } from './frame';

/**
 * Brown–Conrady (rational, k1..k6, p1, p2) camera model for one camera in one mode, in pixels,
 * with the SDK's convention: (0, 0) is the centre of the top-left pixel.
 * `codx`/`cody` (centre of distortion, normalised) are 0 on Brown–Conrady devices; `metricRadius`
 * bounds the normalised radius √(x² + y²) that projects (1.7 ≈ 120° when the file has none).
 */
export interface CameraIntrinsics {
  width: number;
  height: number;
  cx: number;
  cy: number;
  fx: number;
  fy: number;
  k: [number, number, number, number, number, number];
  p1: number;
  p2: number;
  codx: number;
  cody: number;
  metricRadius: number;
}

/** Depth and colour camera models for one recording's modes, and the rigid motion between them. */
export interface KinectCalibration {
  /** For the recording's depth mode (e.g. NFOV_UNBINNED 640×576). */
  depth: CameraIntrinsics;
  /** For the recording's colour resolution (e.g. 720P 1280×720). */
  color: CameraIntrinsics;
  /** Depth camera → colour camera: X_c = R·X_d + t, R row-major 3×3, t in millimetres. */
  depthToColor: { rotation: number[]; translationMm: [number, number, number] };
}

/** One frame of a depth source: the colour frame (the consumer closes it) and its depth, if any. */
export interface DepthSourceFrame {
  frame: VideoFrame;
  depth: DepthInput | null;
}

/**
 * Colour frames with Azure Kinect depth — the live bridge (see openKinectDepthSource) or a
 * recording — for {@link BackgroundReplacer.processDepthSource}.
 */
export interface DepthFrameSource extends AsyncIterable<DepthSourceFrame> {
  /** The device's calibration in the source's depth mode and colour resolution. */
  readonly calibration: KinectCalibration;
  /** Ends the iteration (a pending next() resolves done) and releases the source. Idempotent. */
  close(): void;
}

/** The tables the depth registration reads (shared by the reference and the pass, computed once per calibration). */
export interface RegisterTables {
  /** [Hd, Wd, 2] normalised rays of the depth pixel centres, NaN = invalid (depthRayTable). */
  rays: Float32Array;
  /** [Hd+1, Wd+1, 2] normalised rays of the depth pixel corners, NaN = invalid (depthCornerRayTable). */
  corners: Float32Array;
}
