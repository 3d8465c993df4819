// The systems the bench compares, in table order. Each row is one system in one mode on one
// backend; rows that share a matte (the composite differs, the alpha does not) share a
// quality entry.
import type { SetupSpec } from './protocol';

/** Which matte a row's quality columns score (see QUALITY_SYSTEMS). */
export type QualityId = 'ours' | 'ours-plate' | 'ours-onnx' | 'ours-plate-onnx' | 'ours-canvas2d' | 'ours-rvm' | 'rvm-alone' | 'twilio' | 'tasks-vision';

/** One row of the bench. */
export interface SystemDef {
  id: string;
  /** Who made it: 'this project', 'Twilio 3.2.0', 'tasks-vision'. */
  label: string;
  /** What the row replaces the background with: 'blur', 'image', 'plate+image' (plate matting, image background) or 'mask' (segmentation only). */
  mode: 'blur' | 'image' | 'plate+image' | 'mask';
  /** The base network runtime: 'tasks-vision', 'onnx-webgpu', or the peer's own ('twilio tflite'). */
  backend: string;
  /** What the bench page sets up. */
  setup: SetupSpec;
  /** Runs only on frames that come with a captured plate. */
  needsPlate: boolean;
  /** The Twilio row whose frames per second this row is divided by (same frames, same run); null for Twilio's own rows. */
  twilioPeer: 'twilio-blur' | 'twilio-image' | null;
  /** The matte the quality columns score. */
  quality: QualityId;
  /** Slow on a software adapter (onnx-webgpu on SwiftShader, ~1 s a network run; RVM, minutes): --quick runs it at 640×360 only. */
  slowOnSoftware: boolean;
  /** A model the user installs (npm run models:fetch -- ID) that the row needs; rows whose model is not installed are left out, with a note. */
  needsModel: 'rvm' | null;
}

/** Name under which the bench serves the background image of the image modes. */
export const BACKGROUND_IMAGE = 'background';

const ours = (mode: 'blur' | 'image' | 'plate+image', backend: 'tasks-vision' | 'onnx-webgpu'): SystemDef => {
  const onnx = backend === 'onnx-webgpu';
  const plate = mode === 'plate+image';
  return {
    id: `ours-${mode === 'plate+image' ? 'plate' : mode}${onnx ? '-onnx' : ''}`,
    label: 'this project',
    mode,
    backend,
    setup: {
      kind: 'ours',
      // The WebGPU pipeline (also on a software adapter, and in the adaptive runs), fixed quality
      // (targetFps 0); per-stage GPU times from timestamp queries in every timed frame.
      options: { mode: mode === 'blur' ? 'blur' : 'image', blurStrength: 'medium', backend, renderer: 'webgpu', targetFps: 0, stageTimings: true },
      background: mode === 'blur' ? null : BACKGROUND_IMAGE,
    },
    needsPlate: plate,
    twilioPeer: mode === 'blur' ? 'twilio-blur' : 'twilio-image',
    quality: `ours${plate ? '-plate' : ''}${onnx ? '-onnx' : ''}` as QualityId,
    slowOnSoftware: onnx,
    needsModel: null,
  };
};

/** This project on its Canvas 2D path (options.renderer 'canvas2d'): tasks-vision's mask with ROI passes, smoothed; no refiner. */
const oursCanvas = (mode: 'blur' | 'image'): SystemDef => ({
  id: `ours-${mode}-canvas2d`,
  label: 'this project (Canvas 2D)',
  mode,
  backend: 'tasks-vision',
  setup: {
    kind: 'ours',
    options: { mode, blurStrength: 'medium', backend: 'tasks-vision', renderer: 'canvas2d', targetFps: 0 },
    background: mode === 'blur' ? null : BACKGROUND_IMAGE,
  },
  needsPlate: false,
  twilioPeer: mode === 'blur' ? 'twilio-blur' : 'twilio-image',
  quality: 'ours-canvas2d',
  slowOnSoftware: false,
  needsModel: null,
});

/**
 * The options of the RVM rows (matting 'rvm', image background). RVM alone: its `pha` upsampled
 * bilinearly to the frame, with no sparse refine (refineBudget 0) and no temporal smoothing (RVM
 * has its own recurrence); RVM + refiner: the option's defaults.
 */
const rvmOptions = (refine: boolean): SetupSpec['options'] => ({
  mode: 'color',
  backend: 'tasks-vision',
  renderer: 'webgpu',
  targetFps: 0,
  matting: 'rvm',
  ...(refine ? {} : { refineBudget: 0, temporalSmoothing: 0 }),
});

/** Robust Video Matting (Lin et al., WACV 2022) as this project's prior, with or without the sparse refiner; needs the user-installed model. */
const oursRvm = (refine: boolean): SystemDef => ({
  id: refine ? 'ours-image-rvm' : 'rvm-alone',
  label: refine ? 'this project (RVM + refiner)' : 'RVM alone (in this project)',
  mode: 'image',
  backend: 'rvm tfjs-webgpu',
  setup: { kind: 'ours', options: { ...rvmOptions(refine), mode: 'image', stageTimings: true }, background: BACKGROUND_IMAGE },
  needsPlate: false,
  twilioPeer: 'twilio-image',
  quality: refine ? 'ours-rvm' : 'rvm-alone',
  slowOnSoftware: true,
  needsModel: 'rvm',
});

/**
 * Every row, in table order. Adaptive quality (options.targetFps > 0) gets its rows here, beside
 * the fixed ones: `ours(…)` with `targetFps` set, the same Twilio peer, and the same quality id
 * only if its matte is scored at full quality.
 */
export const SYSTEMS: readonly SystemDef[] = [
  ours('blur', 'tasks-vision'),
  ours('image', 'tasks-vision'),
  ours('plate+image', 'tasks-vision'),
  ours('blur', 'onnx-webgpu'),
  ours('image', 'onnx-webgpu'),
  ours('plate+image', 'onnx-webgpu'),
  oursCanvas('blur'),
  oursCanvas('image'),
  oursRvm(false),
  oursRvm(true),
  {
    id: 'twilio-blur',
    label: 'Twilio 3.2.0',
    mode: 'blur',
    backend: 'twilio tflite',
    setup: { kind: 'twilio-blur' },
    needsPlate: false,
    twilioPeer: null,
    quality: 'twilio',
    slowOnSoftware: false,
    needsModel: null,
  },
  {
    id: 'twilio-image',
    label: 'Twilio 3.2.0',
    mode: 'image',
    backend: 'twilio tflite',
    setup: { kind: 'twilio-image', background: BACKGROUND_IMAGE },
    needsPlate: false,
    twilioPeer: null,
    quality: 'twilio',
    slowOnSoftware: false,
    needsModel: null,
  },
  {
    id: 'tasks-vision',
    label: 'tasks-vision alone',
    mode: 'mask',
    backend: 'tasks-vision',
    setup: { kind: 'tasks-vision' },
    needsPlate: false,
    twilioPeer: 'twilio-blur',
    quality: 'tasks-vision',
    slowOnSoftware: false,
    needsModel: null,
  },
];

/** How each matte is obtained for the quality columns. */
export interface QualityDef {
  id: QualityId;
  /** What the page sets up for it. */
  setup: SetupSpec;
  /** Whether the items are matted against their captured plate. */
  plate: boolean;
  /** What the page posts per frame. */
  capture: 'pha' | 'composites' | 'mask';
  /** A sentence on how the matte is obtained. */
  method: string;
}

const oursQuality = (plate: boolean, backend: 'tasks-vision' | 'onnx-webgpu'): QualityDef => ({
  id: `ours${plate ? '-plate' : ''}${backend === 'onnx-webgpu' ? '-onnx' : ''}` as QualityId,
  // Only pha is read back: 'color' is the cheapest composite that runs the whole matting path (as npm run eval does).
  setup: { kind: 'ours', options: { mode: 'color', backend, renderer: 'webgpu', targetFps: 0 } },
  plate,
  capture: 'pha',
  method: `the engine's alpha read-back (pha), ${backend}, ${plate ? 'with' : 'without'} the captured plate; a fresh engine per still, one per clip (as npm run eval)`,
});

/** The mattes the quality columns score. */
export const QUALITY_SYSTEMS: Readonly<Record<QualityId, QualityDef>> = {
  ours: oursQuality(false, 'tasks-vision'),
  'ours-plate': oursQuality(true, 'tasks-vision'),
  'ours-onnx': oursQuality(false, 'onnx-webgpu'),
  'ours-plate-onnx': oursQuality(true, 'onnx-webgpu'),
  'ours-canvas2d': {
    id: 'ours-canvas2d',
    setup: { kind: 'ours', options: { mode: 'color', backend: 'tasks-vision', renderer: 'canvas2d', targetFps: 0 } },
    plate: false,
    capture: 'pha',
    method: "the engine's alpha read-back (pha) on the Canvas 2D path (renderer canvas2d), without a plate; a fresh engine per still, one per clip",
  },
  'ours-rvm': {
    id: 'ours-rvm',
    setup: { kind: 'ours', options: rvmOptions(true) },
    plate: false,
    capture: 'pha',
    method: "the engine's alpha read-back (pha), matting 'rvm' (RVM's pha as the prior, sparse refiner, temporal smoothing), without a plate; a fresh engine per still, one per clip",
  },
  'rvm-alone': {
    id: 'rvm-alone',
    setup: { kind: 'ours', options: rvmOptions(false) },
    plate: false,
    capture: 'pha',
    method: "the engine's alpha read-back (pha), matting 'rvm' with refineBudget 0 and temporalSmoothing 0: RVM's pha upsampled bilinearly, nothing of ours on top; without a plate",
  },
  twilio: {
    id: 'twilio',
    setup: { kind: 'twilio-alpha' },
    plate: false,
    capture: 'composites',
    method:
      'VirtualBackgroundProcessor (defaults) over a black and over a white image, α = 1 − mean over RGB of (C_white − C_black)/255, rounded to 8 bits; ' +
      'fresh processors per still, one pair per clip. The blur processor shares the mask pipeline (same mask blur radius and hysteresis), so its rows show the same matte',
  },
  'tasks-vision': {
    id: 'tasks-vision',
    setup: { kind: 'tasks-vision' },
    plate: false,
    capture: 'mask',
    method: 'the 256×144 confidence mask, quantised to 8 bits and resized bilinearly to the frame (as the scorer resizes a smaller prediction)',
  },
};

/**
 * Looks systems up by id.
 * @throws Error naming the first unknown id and the known ones
 */
export function systemsById(ids: readonly string[]): SystemDef[] {
  return ids.map((id) => {
    const s = SYSTEMS.find((x) => x.id === id);
    if (!s) throw new Error(`--systems: unknown system "${id}" (known: ${SYSTEMS.map((x) => x.id).join(', ')})`);
    return s;
  });
}
