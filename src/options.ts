import { InvalidOptionError } from './errors';

/**
 * What replaces the background. `video` is a looping background video (setBackground with a
 * video file or a MediaStream); `off` passes the camera through untouched.
 */
export const MODES = ['blur', 'image', 'video', 'color', 'off'] as const;
export type Mode = (typeof MODES)[number];

export const BLUR_STRENGTHS = ['light', 'medium', 'strong'] as const;
export type BlurStrength = (typeof BLUR_STRENGTHS)[number];

/**
 * Debug / replay views, as in BackgroundMattingV2's tools:
 * `com` composite, `pha` alpha matte, `fgr` foreground colour, `err` error map
 * (the coarse stage's predicted error), `ref` the frame with the refined tiles highlighted, `mem` the background memory (what it
 * learned where it knows the background; the frame, darkened and tinted purple, where it does not).
 */
export const OUTPUT_TYPES = ['com', 'pha', 'fgr', 'err', 'ref', 'mem'] as const;
export type OutputType = (typeof OUTPUT_TYPES)[number];
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
export const REFINE_MODES = ['sampling', 'thresholding', 'full'] as const;
export type RefineMode = (typeof REFINE_MODES)[number];

/**
 * The backend option: a backend, or `auto` — onnx-webgpu on a GPU; tasks-vision on a
 * software adapter (WebGPU emulated on the CPU, e.g. SwiftShader), where onnxruntime-web's
 * WebGPU kernels take ~2 s per run against tasks-vision's ~10 ms on wasm (measured here).
 */
export const BACKENDS = ['auto', 'onnx-webgpu', 'tasks-vision'] as const;
export type BackendChoice = (typeof BACKENDS)[number];
/**
 * Base-network backends: `onnx-webgpu` runs the converted selfie segmenter with
 * onnxruntime-web on the pipeline's own GPUDevice (tensors never leave the GPU);
 * `tasks-vision` runs MediaPipe's ImageSegmenter (wasm) in a worker of its own, the
 * fallback when onnxruntime-web cannot start on WebGPU.
 */
export type Backend = Exclude<BackendChoice, 'auto'>;

/**
 * The matting stages: `classic` (the segmentation prior, the plate and classical matting, see
 * README), `rvm` (Robust Video Matting's alpha as the prior of the same classical stages; the
 * user installs the model, GPL-3.0, with `npm run models:fetch -- rvm`; the WebGPU renderer
 * only) or `bgmv2` (BackgroundMattingV2's base network and learned refiner, when a plate is
 * set and a BGMv2 model is installed with `npm run models:fetch`; classic otherwise).
 */
export const MATTINGS = ['classic', 'rvm', 'bgmv2'] as const;
export type Matting = (typeof MATTINGS)[number];

/** Where Robust Video Matting runs (see OPTION_SPEC.rvmRuntime). */
export const RVM_RUNTIMES = ['webgpu', 'cpu'] as const;
export type RvmRuntime = (typeof RVM_RUNTIMES)[number];

/**
 * The rendering path.
 * - `webgpu`: the WebGPU pipeline (base network, refiner, plate matting), or the Canvas 2D path
 *   when the browser has no WebGPU.
 * - `canvas2d`: the Canvas 2D path always (tasks-vision's mask with its region-of-interest
 *   passes, its edges refined on the CPU — guided filter, motion-aware temporal smoothing —
 *   composited on 2D canvases; no plate, no background memory).
 * - `auto`: `webgpu`, except on a software adapter (SwiftShader, llvmpipe: no GPU) with a
 *   real-time target (targetFps > 0), where it is `canvas2d`: there the WebGPU pipeline is
 *   emulated on the CPU and far from real time (bench on 2 cores at 1280×720: 1.2 fps against
 *   19 fps for the Canvas 2D path, and 5.7 fps for Twilio's processor). With targetFps 0 (full
 *   quality, as replay and eval run) `auto` keeps the WebGPU pipeline.
 */
export const RENDERERS = ['auto', 'webgpu', 'canvas2d'] as const;
export type RendererChoice = (typeof RENDERERS)[number];

/**
 * What the output shows in place of a camera frame while the matte is not ready (the engine
 * starting, restarting after a crash or hang, failed for good, or a frame that failed or
 * stalled, e.g. after a GPU device loss that could not be repaired), so the room is not shown
 * raw meanwhile (src/element/notReadyFrame.ts):
 * - `blur`: the whole frame, heavily blurred (cheap: scaled to 1/32 and back);
 * - `hold`: the last processed output frame again (blur before there is one);
 * - `blank`: a black frame;
 * - `passthrough`: the camera frame untouched.
 * Mode `off` always passes frames through: the user chose no effect.
 */
export const WHILE_NOT_READY = ['blur', 'hold', 'blank', 'passthrough'] as const;
export type WhileNotReady = (typeof WHILE_NOT_READY)[number];

/**
 * An option's value type:
 * - `enum`: one of `values`;
 * - `number`: a finite number in `min..max` (inclusive); `step` is the UI's slider step;
 * - `boolean`: true or false;
 * - `color`: a CSS hex colour `#rrggbb` (stored lower-case).
 */
export type OptionType =
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'number'; readonly min: number; readonly max: number; readonly step: number }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'color' };

/** The panels of the demo app (src/app) that hold option controls. */
export const APP_PANELS = ['background', 'view'] as const;
export type AppPanel = (typeof APP_PANELS)[number];

/** How one value of an `enum` option is shown in a `buttons` or `select` control. */
export interface ChoiceLabel {
  readonly label: string;
  /** Tooltip. */
  readonly title?: string;
}

/**
 * An option's control in the demo app, rendered by `<option-controls>` (src/app/optionControls.ts):
 * - `buttons` (enum): one pressed-state button per value, test ids `<kebab-name>-<value>`;
 * - `select` (enum): a drop-down, test id `<kebab-name>-select`;
 * - `checkbox` (boolean; or number: checked while the value is above `min`, checking sets the
 *   default, unchecking sets `min`), test id `<kebab-name>-toggle`;
 * - `slider` (number: `min..max` by `step`), test id `<kebab-name>-slider`;
 * - `color` (color): a colour input, test id `<kebab-name>-input`.
 */
export interface OptionControl {
  readonly kind: 'buttons' | 'select' | 'checkbox' | 'slider' | 'color';
  /** The visible label. */
  readonly label: string;
  readonly panel: AppPanel;
  /** Tooltip; the option's `doc` when absent. */
  readonly title?: string;
  /** Overrides the derived `data-testid` (not for `buttons`). */
  readonly testId?: string;
  /** Enum options: how each value is shown; a value without an entry shows capitalised. */
  readonly choices?: Readonly<Record<string, ChoiceLabel>>;
}

/** One option of {@link OPTION_SPEC}. */
export interface OptionSpecEntry {
  readonly type: OptionType;
  /** The default; of `type` (checked by resolveOptions and test/unit/optionSpec.test.ts). */
  readonly default: string | number | boolean;
  /** One sentence for usage texts and tooltips (the full story is the entry's doc comment). */
  readonly doc: string;
  /** The `<bg-replacer>` attribute (kebab-case; the property is the option's name), or null: not on the element. */
  readonly attribute: string | null;
  /** The `npm run replay` / `npm run eval` flag without its dashes (kebab-case), or null: none. */
  readonly flag: string | null;
  /** The demo app's control (only for options with an `attribute`: the app sets them on the element), or null: none. */
  readonly control: OptionControl | null;
}

/** The default of targetFps; also in its control's label. */
const TARGET_FPS = 30;

/**
 * Every user-facing setting, defined once: type, default, docs, the `<bg-replacer>` attribute,
 * the command-line flag and the demo app's control. {@link Options}, {@link DEFAULT_OPTIONS},
 * {@link resolveOptions}, the element's properties (src/element/bg-replacer.ts), the app's
 * controls (src/app/optionControls.ts) and the replay / eval flags (scripts/lib/optionFlags.ts)
 * are all derived from it, so a new option is one entry here plus the code that uses its value.
 */
export const OPTION_SPEC = {
  /** Background treatment. Default `blur`. */
  mode: {
    type: { kind: 'enum', values: MODES },
    default: 'blur',
    doc: 'What replaces the background: a blur, an image, a video, a colour, or nothing (off).',
    attribute: 'mode',
    flag: 'mode',
    control: null,
  },
  /** Gaussian blur strength for `blur` mode. Default `medium`. */
  blurStrength: {
    type: { kind: 'enum', values: BLUR_STRENGTHS },
    default: 'medium',
    doc: 'Gaussian blur strength in blur mode.',
    attribute: 'blur-strength',
    flag: 'blur-strength',
    control: null,
  },
  /** Solid colour for `color` mode, CSS hex `#rrggbb`. Default `#00b140` (chroma green). */
  color: {
    type: { kind: 'color' },
    default: '#00b140',
    doc: 'Solid colour of color mode, CSS hex #rrggbb.',
    attribute: 'color',
    flag: 'color',
    control: null,
  },
  /**
   * Light wrap: the new background's light bleeding onto the person's edge, as Google Meet and
   * Volcomix's virtual-background do — a blurred copy of the visible new background mixed into
   * the output where the person meets it, by up to this share (src/gpu/params/lightWrap.ts). In
   * `image` and `color` modes (blur and off show the room itself); 0 turns it off. Default 0.3.
   */
  lightWrap: {
    type: { kind: 'number', min: 0, max: 1, step: 0.05 },
    default: 0.3,
    doc: "How much of the new background's light wraps onto the person's edge in image and colour modes, 0 (off) to 1.",
    attribute: 'light-wrap',
    flag: 'light-wrap',
    control: { kind: 'slider', label: 'Light wrap', panel: 'background' },
  },
  /** Base-network backend. Default `auto` (see BackendChoice); onnx-webgpu falls back to tasks-vision if it cannot start. */
  backend: {
    type: { kind: 'enum', values: BACKENDS },
    default: 'auto',
    doc: 'Base-network backend: auto picks onnx-webgpu on a GPU and tasks-vision on a software adapter.',
    attribute: 'backend',
    flag: 'backend',
    control: {
      kind: 'buttons',
      label: 'Engine',
      panel: 'background',
      choices: {
        auto: { label: 'Auto', title: 'WebGPU on a GPU; MediaPipe where WebGPU runs on the CPU (no GPU)' },
        'onnx-webgpu': { label: 'WebGPU', title: 'onnxruntime-web on WebGPU: the network runs on the GPU with the rest of the pipeline' },
        'tasks-vision': { label: 'MediaPipe', title: 'MediaPipe tasks-vision (WebAssembly): the fallback where WebGPU inference cannot start' },
      },
    },
  },
  /** Range sigma of the joint bilateral mask upsampling, in RGB units 0..1. Default 0.1. */
  edgeSensitivity: {
    type: { kind: 'number', min: 0.01, max: 1, step: 0.01 },
    default: 0.1,
    doc: 'Range sigma of the joint bilateral mask upsampling, in RGB units.',
    attribute: null,
    flag: 'edge-sensitivity',
    control: null,
  },
  /** What the processed stream shows: `com` normally, other types for debugging. */
  view: {
    type: { kind: 'enum', values: OUTPUT_TYPES },
    default: 'com',
    doc: 'What the processed stream shows: the composite, or a debug view (alpha, foreground, error, refined tiles).',
    attribute: 'view',
    flag: null,
    control: {
      kind: 'select',
      label: 'Debug view',
      panel: 'view',
      choices: {
        com: { label: 'Composite' },
        pha: { label: 'Alpha (pha)' },
        fgr: { label: 'Foreground (fgr)' },
        err: { label: 'Error (err)' },
        ref: { label: 'Refined tiles (ref)' },
        mem: { label: 'Background memory (mem)' },
      },
    },
  },
  /** Tile selection of the sparse refiner. Default `sampling`. */
  refineMode: {
    type: { kind: 'enum', values: REFINE_MODES },
    default: 'sampling',
    doc: 'How the sparse refiner picks tiles: the top ones by predicted error, those above a threshold, or all.',
    attribute: null,
    flag: 'refine-mode',
    control: null,
  },
  /** `sampling` mode: the largest share of the frame's pixels refined per frame, 0..1. Default 0.15. */
  refineBudget: {
    type: { kind: 'number', min: 0, max: 1, step: 0.01 },
    default: 0.15,
    doc: "Sampling refine mode: the largest share of the frame's pixels refined per frame.",
    attribute: null,
    flag: 'refine-budget',
    control: null,
  },
  /** `thresholding` mode: refine tiles whose predicted error exceeds this, 0..1. Default 0.1. */
  refineThreshold: {
    type: { kind: 'number', min: 0, max: 1, step: 0.01 },
    default: 0.1,
    doc: 'Thresholding refine mode: refine the tiles whose predicted error exceeds this.',
    attribute: null,
    flag: 'refine-threshold',
    control: null,
  },
  /** Motion-aware temporal smoothing of alpha, 0 (off) ..0.9. Default 0.7. */
  temporalSmoothing: {
    type: { kind: 'number', min: 0, max: 0.9, step: 0.05 },
    default: 0.7,
    doc: 'Motion-aware temporal smoothing of alpha (0: off).',
    attribute: null,
    flag: 'temporal',
    control: null,
  },
  /**
   * Background memory: without a captured plate, the background the camera sees around the
   * person is remembered on the GPU while the call goes on (where alpha is confidently 0, with
   * a margin around the person; a pixel counts as known once it was seen alike over several
   * frames) and used as a plate where it is known (src/pipeline/stages/backgroundMemory.ts).
   * It lives in GPU memory only, is never stored or sent unless the user saves it as the plate
   * (saveMemoryAsPlate), and starts again on a new size, a camera move, a new source or a big
   * lighting change. Default true (live use); eval runs stills without it.
   */
  backgroundMemory: {
    type: { kind: 'boolean' },
    default: true,
    doc: 'Remember the background seen around the person during the call and use it as a plate where known (no captured plate needed).',
    attribute: 'background-memory',
    flag: 'background-memory',
    control: {
      kind: 'checkbox',
      label: 'Remember the background',
      panel: 'background',
      title: 'Without a captured plate, remembers the background seen around you during the call (in GPU memory only; stored only if you save it as the plate) and uses it as a plate where known',
    },
  },
  /** The matting stages (see Matting). Default `classic`. */
  matting: {
    type: { kind: 'enum', values: MATTINGS },
    default: 'classic',
    doc: 'The matting stages: classic, Robust Video Matting as the prior (needs its model, GPL-3.0: npm run models:fetch -- rvm), or BackgroundMattingV2 (needs a plate and its model).',
    attribute: 'matting',
    flag: 'matting',
    control: {
      kind: 'buttons',
      label: 'Matting',
      panel: 'background',
      choices: {
        classic: { label: 'Classic', title: 'Segmentation prior, background plate and classical matting' },
        rvm: { label: 'RVM (GPL-3.0)', title: 'Robust Video Matting (Lin et al., 2022) as the prior of the classical matting; a model you install yourself with npm run models:fetch -- rvm; licensed GPL-3.0' },
        bgmv2: { label: 'BGMv2', title: 'BackgroundMattingV2 (needs a plate and a model installed with npm run models:fetch)' },
      },
    },
  },
  /**
   * Where Robust Video Matting runs with matting `rvm`: `webgpu` (default) on the engine's own
   * GPUDevice, nothing read back (src/models/rvm/runtime.ts); `cpu` on TensorFlow.js's CPU
   * backend in the worker (src/models/rvm/cpuRuntime.ts), each frame read back and its outputs
   * written to the GPU. The same graph and outputs (to float rounding); `cpu` exists to measure
   * quality on machines whose WebGPU is a software rasterizer (SwiftShader), where it is about
   * 4× faster (a 1280×720 dev still through eval: 62 s against about 4 minutes). On a real GPU it is only slower. Only on the command line (replay, eval).
   */
  rvmRuntime: {
    type: { kind: 'enum', values: RVM_RUNTIMES },
    default: 'webgpu',
    doc: "Where Robust Video Matting runs: on the engine's GPU device, or on TensorFlow.js's CPU backend (for measuring quality where WebGPU is software-rendered).",
    attribute: null,
    flag: 'rvm-runtime',
    control: null,
  },
  /**
   * Adaptive quality: the frame rate to hold, 1..120 frames per second, by lowering the base
   * network's resolution on the person and the refine budget when frames run late and raising
   * them again when there is headroom (src/worker/adaptive.ts); 0 turns it off (full quality
   * always, as replay and eval use). Default 30.
   */
  targetFps: {
    type: { kind: 'number', min: 0, max: 120, step: 1 },
    default: TARGET_FPS,
    doc: 'Adaptive quality: the frame rate to hold by lowering the quality when frames run late (0: off, full quality always).',
    attribute: 'target-fps',
    flag: null,
    control: {
      kind: 'checkbox',
      label: `Adapt quality to hold ${TARGET_FPS} fps`,
      panel: 'view',
      title: "Lowers the base network's resolution on the person and the refine budget when frames run late; the HUD shows the level",
      testId: 'adaptive-toggle',
    },
  },
  /**
   * Debug / bench: per-stage GPU times in each frame's stats (`stats.stages`, ms), from
   * timestamp queries, where the adapter has 'timestamp-query'; costs one small read-back per
   * frame. Default false.
   */
  stageTimings: {
    type: { kind: 'boolean' },
    default: false,
    doc: "Per-stage GPU times in each frame's stats, from timestamp queries (debug, bench).",
    attribute: null,
    flag: null,
    control: null,
  },
  /**
   * Standing-speaker mode (Virtual Stage, Microsoft / Plain Concepts, 2020): when the person's
   * box is a standing, full-body or portrait one, the base network runs on two overlapping
   * squares (top and bottom) instead of one region of interest, and their masks are blended
   * with a feathered seam — the network sees hair, hands and feet larger. Other framings are
   * processed as usual. tasks-vision backend only (the onnx-webgpu path ignores it). Default false.
   */
  standing: {
    type: { kind: 'boolean' },
    default: false,
    doc: 'Standing-speaker mode: a full-body framing is segmented as two overlapping squares (tasks-vision only).',
    attribute: 'standing',
    flag: 'standing',
    control: {
      kind: 'checkbox',
      label: 'Standing speaker (full body)',
      panel: 'view',
      title: 'For a standing, full-body or portrait framing: the network sees the person as two overlapping squares (top and bottom), blended with a feathered seam',
    },
  },
  /** The rendering path (see RendererChoice). Default `auto`. */
  renderer: {
    type: { kind: 'enum', values: RENDERERS },
    default: 'auto',
    doc: 'The rendering path: auto, webgpu, or canvas2d (edges refined on the CPU; no plate, no background memory).',
    attribute: 'renderer',
    flag: null,
    control: null,
  },
  /** What the output shows while the matte is not ready (see WhileNotReady). Default `blur`. */
  whileNotReady: {
    type: { kind: 'enum', values: WHILE_NOT_READY },
    default: 'blur',
    doc: 'What the output shows while the matte is not ready (starting, restarting, failed): the frame blurred, the last processed frame, a black frame, or the camera untouched.',
    attribute: 'while-not-ready',
    flag: null,
    control: {
      kind: 'select',
      label: 'While not ready',
      panel: 'view',
      title: 'What the sent video shows while the engine starts or restarts, so the room is never shown unblurred',
      choices: {
        blur: { label: 'Blur everything' },
        hold: { label: 'Hold the last frame' },
        blank: { label: 'Black' },
        passthrough: { label: 'Camera as is' },
      },
    },
  },
} as const satisfies Readonly<Record<string, OptionSpecEntry>>;

/** The name of an option: a key of {@link OPTION_SPEC}. */
export type OptionName = keyof typeof OPTION_SPEC;

/** The value type an {@link OptionType} describes. */
type ValueOf<T extends OptionType> = T extends { readonly kind: 'enum'; readonly values: readonly (infer V)[] }
  ? V
  : T extends { readonly kind: 'number' }
    ? number
    : T extends { readonly kind: 'boolean' }
      ? boolean
      : string;

/**
 * Every user-facing setting, mapped from {@link OPTION_SPEC} (each field's docs are its spec
 * entry's). All fields are required here; callers pass `Partial<Options>` and
 * {@link resolveOptions} fills defaults and validates.
 */
export type Options = { -readonly [K in OptionName]: ValueOf<(typeof OPTION_SPEC)[K]['type']> };

/** Every option name, in the spec's order. */
export const OPTION_NAMES: readonly OptionName[] = Object.keys(OPTION_SPEC) as OptionName[];

/** The options that are `<bg-replacer>` properties and attributes (a non-null `attribute`). */
export type ElementOptionName = { [K in OptionName]: (typeof OPTION_SPEC)[K]['attribute'] extends string ? K : never }[OptionName];
/** The option values `<bg-replacer>` holds as properties. */
export type ElementOptions = Pick<Options, ElementOptionName>;
/** The names of {@link ElementOptionName}, in the spec's order. */
export const ELEMENT_OPTION_NAMES: readonly ElementOptionName[] = OPTION_NAMES.filter((name): name is ElementOptionName => OPTION_SPEC[name].attribute !== null);

export const DEFAULT_OPTIONS: Readonly<Options> = Object.freeze(Object.fromEntries(OPTION_NAMES.map((name) => [name, OPTION_SPEC[name].default])) as Options);

/**
 * The given fields of an options object.
 * @param from an object holding at least those fields (e.g. DEFAULT_OPTIONS, or the element)
 * @param names the fields to copy
 */
export function pickOptions<K extends OptionName>(from: Readonly<Pick<Options, K>>, names: readonly K[]): Pick<Options, K> {
  return Object.fromEntries(names.map((name) => [name, from[name]])) as Pick<Options, K>;
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidOptionError(name, `expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/**
 * Checks one value against an option's type.
 * @param name the option's name, for the error
 * @returns the value, colours lower-cased
 * @throws InvalidOptionError when the value is not of the type or out of its range
 */
export function validateOptionValue(name: string, type: OptionType, value: unknown): string | number | boolean {
  switch (type.kind) {
    case 'enum':
      return oneOf(name, value, type.values);
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value) || value < type.min || value > type.max) {
        throw new InvalidOptionError(name, `expected a number in ${type.min}..${type.max}, got ${JSON.stringify(value)}`);
      }
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw new InvalidOptionError(name, `expected true or false, got ${JSON.stringify(value)}`);
      return value;
    case 'color':
      if (typeof value !== 'string' || !/^#[0-9a-fA-F]{6}$/.test(value)) {
        throw new InvalidOptionError(name, `expected a hex colour like #00b140, got ${JSON.stringify(value)}`);
      }
      return value.toLowerCase();
  }
}

/**
 * Fills defaults into a partial options object and validates every field against OPTION_SPEC.
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
    if (!Object.hasOwn(OPTION_SPEC, key)) throw new InvalidOptionError(key, 'unknown option');
  }
  const merged: Readonly<Record<string, unknown>> = { ...base, ...input };
  return Object.freeze(Object.fromEntries(OPTION_NAMES.map((name) => [name, validateOptionValue(name, OPTION_SPEC[name].type, merged[name])])) as Options);
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
