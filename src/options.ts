import { InvalidOptionError } from './errors';

/** What replaces the background. `off` passes the camera through untouched. */
export type Mode = 'blur' | 'image' | 'color' | 'off';
export const MODES: readonly Mode[] = ['blur', 'image', 'color', 'off'];

export type BlurStrength = 'light' | 'medium' | 'strong';
export const BLUR_STRENGTHS: readonly BlurStrength[] = ['light', 'medium', 'strong'];

/**
 * Debug / replay views, as in BackgroundMattingV2's tools:
 * `com` composite, `pha` alpha matte, `fgr` foreground colour, `err` error map
 * (the coarse stage's predicted error), `ref` the frame with the refined tiles highlighted.
 */
export type OutputType = 'com' | 'pha' | 'fgr' | 'err' | 'ref';
export const OUTPUT_TYPES: readonly OutputType[] = ['com', 'pha', 'fgr', 'err', 'ref'];
/**
 * What replay and debug read-backs can hold: any view (OutputType), or `depth` — the depth
 * registered to the colour frame (Azure Kinect input only), visualised as RGBA.
 */
export type ReadbackType = OutputType | 'depth';
export const READBACK_TYPES: readonly ReadbackType[] = [...OUTPUT_TYPES, 'depth'];

/**
 * How the sparse refiner picks full-resolution tiles (BackgroundMattingV2's refine modes):
 * `sampling` the top tiles by predicted error within `refineBudget`, `thresholding` every
 * tile whose error exceeds `refineThreshold`, `full` every tile (debugging, reference).
 */
export type RefineMode = 'sampling' | 'thresholding' | 'full';
export const REFINE_MODES: readonly RefineMode[] = ['sampling', 'thresholding', 'full'];

/**
 * Base-network backends: `onnx-webgpu` runs the converted selfie segmenter with
 * onnxruntime-web on the pipeline's own GPUDevice (tensors never leave the GPU);
 * `tasks-vision` runs MediaPipe's ImageSegmenter (wasm) in a worker of its own, the
 * fallback when onnxruntime-web cannot start on WebGPU.
 */
export type Backend = 'onnx-webgpu' | 'tasks-vision';
/**
 * The backend option: a backend, or `auto` — onnx-webgpu on a GPU; tasks-vision on a
 * software adapter (WebGPU emulated on the CPU, e.g. SwiftShader), where onnxruntime-web's
 * WebGPU kernels take ~2 s per run against tasks-vision's ~10 ms on wasm (measured here).
 */
export type BackendChoice = 'auto' | Backend;

/**
 * The matting stages: `classic` (the segmentation prior, the plate and classical matting, see
 * README) or `bgmv2` (BackgroundMattingV2's base network and learned refiner, when a plate is
 * set and a BGMv2 model is installed with `npm run models:fetch`; classic otherwise).
 */
export type Matting = 'classic' | 'bgmv2';
export const MATTINGS: readonly Matting[] = ['classic', 'bgmv2'];
export const BACKENDS: readonly BackendChoice[] = ['auto', 'onnx-webgpu', 'tasks-vision'];

/**
 * The rendering path.
 * - `webgpu`: the WebGPU pipeline (base network, refiner, plate matting), or the Canvas 2D path
 *   when the browser has no WebGPU.
 * - `canvas2d`: the Canvas 2D path always (tasks-vision's mask with its region-of-interest
 *   passes, smoothed, composited on 2D canvases; no plate, no refiner).
 * - `auto`: `webgpu`, except on a software adapter (SwiftShader, llvmpipe: no GPU) with a
 *   real-time target (targetFps > 0), where it is `canvas2d`: there the WebGPU pipeline is
 *   emulated on the CPU and far from real time (bench on 2 cores at 1280×720: 1.2 fps against
 *   19 fps for the Canvas 2D path, and 5.7 fps for Twilio's processor). With targetFps 0 (full
 *   quality, as replay and eval run) `auto` keeps the WebGPU pipeline.
 */
export type RendererChoice = 'auto' | 'webgpu' | 'canvas2d';
export const RENDERERS: readonly RendererChoice[] = ['auto', 'webgpu', 'canvas2d'];

/**
 * Every user-facing setting, with one definition used by the element, the API, the CLI
 * and the UI. All fields are required here; callers pass `Partial<Options>` and
 * {@link resolveOptions} fills defaults and validates.
 */
export interface Options {
  /** Background treatment. Default `blur`. */
  mode: Mode;
  /** Gaussian blur strength for `blur` mode. Default `medium`. */
  blurStrength: BlurStrength;
  /** Solid colour for `color` mode, CSS hex `#rrggbb`. Default `#00b140` (chroma green). */
  color: string;
  /** Base-network backend. Default `auto` (see BackendChoice); onnx-webgpu falls back to tasks-vision if it cannot start. */
  backend: BackendChoice;
  /** Range sigma of the joint bilateral mask upsampling, in RGB units 0..1. Default 0.1. */
  edgeSensitivity: number;
  /** What the processed stream shows: `com` normally, other types for debugging. */
  view: OutputType;
  /** Tile selection of the sparse refiner. Default `sampling`. */
  refineMode: RefineMode;
  /** `sampling` mode: the largest share of the frame's pixels refined per frame, 0..1. Default 0.15. */
  refineBudget: number;
  /** `thresholding` mode: refine tiles whose predicted error exceeds this, 0..1. Default 0.1. */
  refineThreshold: number;
  /** Motion-aware temporal smoothing of alpha, 0 (off) ..0.9. Default 0.7. */
  temporalSmoothing: number;
  /** The matting stages (see Matting). Default `classic`. */
  matting: Matting;
  /**
   * Adaptive quality: the frame rate to hold, 1..120 frames per second, by lowering the base
   * network's resolution on the person and the refine budget when frames run late and raising
   * them again when there is headroom (src/worker/adaptive.ts); 0 turns it off (full quality
   * always, as replay and eval use). Default 30.
   */
  targetFps: number;
  /**
   * Debug / bench: per-stage GPU times in each frame's stats (`stats.stages`, ms), from
   * timestamp queries, where the adapter has 'timestamp-query'; costs one small read-back per
   * frame. Default false.
   */
  stageTimings: boolean;
  /**
   * Standing-speaker mode (Virtual Stage, Microsoft / Plain Concepts, 2020): when the person's
   * box is a standing, full-body or portrait one, the base network runs on two overlapping
   * squares (top and bottom) instead of one region of interest, and their masks are blended
   * with a feathered seam — the network sees hair, hands and feet larger. Other framings are
   * processed as usual. tasks-vision backend only (the onnx-webgpu path ignores it). Default false.
   */
  standing: boolean;
  /** The rendering path (see RendererChoice). Default `auto`. */
  renderer: RendererChoice;
}

export const DEFAULT_OPTIONS: Readonly<Options> = Object.freeze({
  mode: 'blur',
  blurStrength: 'medium',
  color: '#00b140',
  backend: 'auto',
  edgeSensitivity: 0.1,
  view: 'com',
  refineMode: 'sampling',
  refineBudget: 0.15,
  refineThreshold: 0.1,
  temporalSmoothing: 0.7,
  matting: 'classic',
  targetFps: 30,
  stageTimings: false,
  standing: false,
  renderer: 'auto',
});

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidOptionError(name, `expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

function flag(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidOptionError(name, `expected true or false, got ${JSON.stringify(value)}`);
  return value;
}

function inRange(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidOptionError(name, `expected a number in ${min}..${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Fills defaults into a partial options object and validates every field.
 * @param input partial options from the API, element attributes, CLI or UI
 * @param base the options to start from (defaults, or the current options for an update)
 * @returns a complete, frozen Options object
 * @throws InvalidOptionError naming the first field that is unknown, of the wrong type or out of range
 */
export function resolveOptions(input: Partial<Options> = {}, base: Readonly<Options> = DEFAULT_OPTIONS): Readonly<Options> {
  if (input === null || typeof input !== 'object') {
    throw new InvalidOptionError('options', `expected an object, got ${JSON.stringify(input)}`);
  }
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(DEFAULT_OPTIONS, key)) throw new InvalidOptionError(key, 'unknown option');
  }
  const merged = { ...base, ...input };
  const color = merged.color;
  if (typeof color !== 'string' || !/^#[0-9a-fA-F]{6}$/.test(color)) {
    throw new InvalidOptionError('color', `expected a hex colour like #00b140, got ${JSON.stringify(color)}`);
  }
  const edge = inRange('edgeSensitivity', merged.edgeSensitivity, 0.01, 1);
  return Object.freeze({
    mode: oneOf('mode', merged.mode, MODES),
    blurStrength: oneOf('blurStrength', merged.blurStrength, BLUR_STRENGTHS),
    color: color.toLowerCase(),
    backend: oneOf('backend', merged.backend, BACKENDS),
    edgeSensitivity: edge,
    view: oneOf('view', merged.view, OUTPUT_TYPES),
    refineMode: oneOf('refineMode', merged.refineMode, REFINE_MODES),
    refineBudget: inRange('refineBudget', merged.refineBudget, 0, 1),
    refineThreshold: inRange('refineThreshold', merged.refineThreshold, 0, 1),
    temporalSmoothing: inRange('temporalSmoothing', merged.temporalSmoothing, 0, 0.9),
    matting: oneOf('matting', merged.matting, MATTINGS),
    targetFps: inRange('targetFps', merged.targetFps, 0, 120),
    stageTimings: flag('stageTimings', merged.stageTimings),
    standing: flag('standing', merged.standing),
    renderer: oneOf('renderer', merged.renderer, RENDERERS),
  });
}

/**
 * Parses a `#rrggbb` colour into linear-free sRGB components.
 * @returns [r, g, b] each in 0..1 (sRGB-encoded, as stored in 8-bit images)
 */
export function parseHexColor(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
}

/**
 * Gaussian sigma of each blur strength, as a fraction of the frame height
 * (so a strength looks the same at 360p and 1080p).
 */
export const BLUR_SIGMA_FRACTION: Readonly<Record<BlurStrength, number>> = Object.freeze({
  light: 0.006,
  medium: 0.012,
  strong: 0.024,
});

/**
 * Parses an `--output-type` list such as `com,pha`.
 * @throws InvalidOptionError for an unknown or empty type list
 */
export function parseOutputTypes(list: string): ReadbackType[] {
  const types = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (types.length === 0) throw new InvalidOptionError('output-type', `expected at least one of ${READBACK_TYPES.join(',')}`);
  for (const t of types) oneOf('output-type', t, READBACK_TYPES);
  return [...new Set(types)] as ReadbackType[];
}
