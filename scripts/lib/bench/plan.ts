// The bench's command line and what it decides to run: sizes, frames per size, rows, quality
// items, refine timing. Pure (no I/O), so the choices are unit-tested and printed as made.
import { parseArgs } from 'node:util';
import { QUALITY_SYSTEMS, SYSTEMS, systemsById, type QualityId, type SystemDef } from './systems';

/** The usage line printed with an argument error. */
export const USAGE =
  'usage: npm run bench -- [--quick] [--json FILE] [--gpu] [--sizes WxH,…] [--frames N] [--warmup N] [--systems ID,…] ' +
  '[--stills ID,…|all|none] [--clips ID,…|all|none] [--no-refine] [--no-bandwidth] [--timeout SECONDS] [--verbose]';

/** A frame size in pixels. */
export interface Size {
  width: number;
  height: number;
}

/** The parsed command line. */
export interface BenchArgs {
  quick: boolean;
  /** Where the JSON goes (default bench.json in the working directory). */
  json: string;
  gpu: boolean;
  sizes: Size[];
  /** Timed frames per row and size; null: the plan's default. */
  frames: number | null;
  /** Untimed warm-up frames per row and size; null: the plan's default. */
  warmup: number | null;
  /** Row ids; null: the plan's default. */
  systems: string[] | null;
  /** Still ids, 'all' or 'none'; null: the plan's default. */
  stills: string[] | 'all' | 'none' | null;
  clips: string[] | 'all' | 'none' | null;
  refine: boolean;
  /** Whole-run limit in seconds. */
  timeoutS: number;
  verbose: boolean;
  /** Measure the bitrate the blur saves (scripts/lib/bandwidth/measure.ts; a few minutes on SwiftShader); off with --no-bandwidth. */
  bandwidth: boolean;
}

export const DEFAULT_SIZES: readonly Size[] = [
  { width: 640, height: 360 },
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
];

/** Stills of the quick quality subset: one per cutout of ../shared/eval/dev, the background rotating. */
export const QUICK_STILLS: readonly string[] = ['dev_00_0', 'dev_01_1', 'dev_02_2', 'dev_03_0', 'dev_04_1', 'dev_05_2'];
/** Clips of the quick quality subset. */
export const QUICK_CLIPS: readonly string[] = ['dev_clip0'];

function positiveInt(flag: string, value: string, min = 1): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) throw new Error(`${flag} must be an integer ≥ ${min}, got "${value}"`);
  return n;
}

/**
 * Parses "WxH,WxH".
 * @throws Error for a malformed size, an odd side (I420 needs even sides) or one outside 16..3840×2160
 */
export function parseSizes(text: string): Size[] {
  const sizes = text.split(',').map((s) => {
    const m = /^(\d+)x(\d+)$/.exec(s.trim());
    if (!m) throw new Error(`--sizes: "${s}" is not WIDTHxHEIGHT`);
    const size = { width: Number(m[1]), height: Number(m[2]) };
    if (size.width < 16 || size.height < 16 || size.width > 3840 || size.height > 2160) throw new Error(`--sizes: ${s} is outside 16x16..3840x2160`);
    if (size.width % 2 || size.height % 2) throw new Error(`--sizes: ${s} has an odd side (frames are I420)`);
    return size;
  });
  const keys = sizes.map((s) => `${s.width}x${s.height}`);
  if (new Set(keys).size !== keys.length) throw new Error(`--sizes: a size is listed twice (${text})`);
  return sizes;
}

function idList(flag: string, value: string | undefined): string[] | 'all' | 'none' | null {
  if (value === undefined) return null;
  if (value === 'all' || value === 'none') return value;
  const ids = [...new Set(value.split(',').map((s) => s.trim()).filter(Boolean))];
  if (ids.length === 0) throw new Error(`${flag} is empty`);
  return ids;
}

/**
 * Parses the bench's arguments.
 * @param argv the arguments after the script name
 * @throws Error with a one-line message naming the bad flag
 */
export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'string', default: 'bench.json' },
      gpu: { type: 'boolean', default: false },
      sizes: { type: 'string' },
      frames: { type: 'string' },
      warmup: { type: 'string' },
      systems: { type: 'string' },
      stills: { type: 'string' },
      clips: { type: 'string' },
      'no-refine': { type: 'boolean', default: false },
      timeout: { type: 'string', default: '14400' },
      verbose: { type: 'boolean', default: false },
      'no-bandwidth': { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.json === '') throw new Error('--json needs a file name');
  const timeoutS = Number(values.timeout);
  if (!(timeoutS > 0)) throw new Error(`--timeout must be a positive number of seconds, got "${values.timeout}"`);
  const systems = values.systems === undefined ? null : values.systems.split(',').map((s) => s.trim()).filter(Boolean);
  if (systems) {
    if (systems.length === 0) throw new Error('--systems is empty');
    systemsById(systems);
  }
  return {
    quick: values.quick,
    json: values.json,
    gpu: values.gpu,
    sizes: values.sizes === undefined ? [...DEFAULT_SIZES] : parseSizes(values.sizes),
    frames: values.frames === undefined ? null : positiveInt('--frames', values.frames),
    warmup: values.warmup === undefined ? null : positiveInt('--warmup', values.warmup, 0),
    systems,
    stills: idList('--stills', values.stills),
    clips: idList('--clips', values.clips),
    refine: !values['no-refine'],
    timeoutS,
    verbose: values.verbose,
    bandwidth: !values['no-bandwidth'],
  };
}

/** Frames per row at one size. */
export interface SizePlan extends Size {
  /** Timed frames of the sequence (rows that need a plate time those among them that have one). */
  frames: number;
  /** Untimed frames first (the sequence's first ones, then timing restarts at frame 0). */
  warmup: number;
  /** Rows run at this size. */
  systems: SystemDef[];
}

/** Everything a run does. */
export interface BenchPlan {
  sizes: SizePlan[];
  /** Slow rows' frames at the sizes they run at in --quick: fewer, said in notes. */
  slowFrames: { frames: number; warmup: number } | null;
  quality: { ids: QualityId[]; stills: string[]; clips: string[] };
  /** Sparse vs full refine timing: at these sizes, this many interleaved rounds; null: not run. */
  refine: { sizes: Size[]; rounds: number } | null;
  /** The choices made, one sentence each, printed before the run and kept in the JSON. */
  notes: string[];
}

/**
 * Timed frames and warm-up per size in --quick: fewer as frames grow, so the run stays under 15
 * minutes on SwiftShader with 2 cores. 16 at 640×360 (two 8-frame segments): with 8, the fast
 * rows' whole timed run lasts about 0.2 s and the same code's ratio to Twilio ranged from 1.56
 * to 2.26 in four runs back to back.
 */
function quickFrames(size: Size): { frames: number; warmup: number } {
  const pixels = size.width * size.height;
  if (pixels <= 640 * 360) return { frames: 16, warmup: 2 };
  if (pixels <= 1280 * 720) return { frames: 6, warmup: 1 };
  return { frames: 4, warmup: 1 };
}

/**
 * Decides what a run does.
 * @param set the evaluation set's still and clip ids (../shared/eval/dev/index.json)
 * @param installed ids of the user-installed models (public/models/installed.json): rows needing another are left out, with a note
 * @throws Error when --stills or --clips name an id the set lacks, or --systems names a row whose model is not installed
 */
export function makePlan(args: BenchArgs, set: { stills: string[]; clips: string[] }, installed: ReadonlySet<string> = new Set()): BenchPlan {
  const notes: string[] = [];
  const named = args.systems ? systemsById(args.systems) : null;
  const missingModel = (r: SystemDef): boolean => r.needsModel !== null && !installed.has(r.needsModel);
  const unavailable = (named ?? SYSTEMS).filter(missingModel);
  if (named && unavailable.length) {
    const r = unavailable[0]!;
    throw new Error(`--systems: ${r.id} needs the ${r.needsModel} model, which is not installed (npm run models:fetch -- ${r.needsModel})`);
  }
  if (unavailable.length) {
    const models = [...new Set(unavailable.map((r) => r.needsModel!))];
    notes.push(`not run: ${unavailable.map((r) => r.id).join(', ')} (model not installed: ${models.map((m) => `npm run models:fetch -- ${m}`).join(', ')})`);
  }
  const rows = named ?? SYSTEMS.filter((r) => !missingModel(r));
  const quick = args.quick;
  // --quick on SwiftShader: onnx-webgpu takes ~1 s a network run (three a frame) and RVM minutes a
  // frame, so the slow rows run at the first size only, with fewer frames, and only onnx-webgpu's
  // blur row unless --systems names others.
  const slowRows = (size: number): SystemDef[] =>
    rows.filter((r) => {
      if (!r.slowOnSoftware || !quick || args.gpu) return true;
      if (size > 0) return false;
      return args.systems !== null || r.mode === 'blur';
    });
  const sizes: SizePlan[] = args.sizes.map((size, i) => {
    const fallback = quick ? quickFrames(size) : { frames: 30, warmup: 3 };
    return { ...size, frames: args.frames ?? fallback.frames, warmup: args.warmup ?? fallback.warmup, systems: slowRows(i) };
  });
  const slowFrames = quick && !args.gpu && rows.some((r) => r.slowOnSoftware) ? { frames: args.frames ?? 3, warmup: args.warmup ?? 1 } : null;
  if (slowFrames) {
    const slow = sizes[0]!.systems.filter((r) => r.slowOnSoftware).map((r) => r.id);
    const skipped = rows.filter((r) => r.slowOnSoftware && !slow.includes(r.id)).map((r) => r.id);
    notes.push(
      `--quick: slow rows (${slow.join(', ') || 'none'}) at ${sizes[0]!.width}×${sizes[0]!.height} only, ${slowFrames.frames} timed frames after ${slowFrames.warmup} warm-up ` +
        `(on SwiftShader an onnx-webgpu network run takes ~1 s, three a frame; RVM minutes)${skipped.length ? `; not run: ${skipped.join(', ')}` : ''}; with --gpu they run everywhere`,
    );
  }
  for (const s of sizes) notes.push(`${s.width}×${s.height}: ${s.frames} timed frames after ${s.warmup} warm-up per row`);

  const pick = (flag: string, value: BenchArgs['stills'], all: string[], quickDefault: readonly string[]): string[] => {
    if (value === 'none') return [];
    if (value === 'all') return [...all];
    if (value === null) return quick ? [...quickDefault] : [...all];
    const unknown = value.filter((id) => !all.includes(id));
    if (unknown.length) throw new Error(`${flag}: ${unknown.map((id) => `"${id}"`).join(', ')} not in the evaluation set`);
    return value;
  };
  const stills = pick('--stills', args.stills, set.stills, QUICK_STILLS.filter((id) => set.stills.includes(id)));
  const clips = pick('--clips', args.clips, set.clips, QUICK_CLIPS.filter((id) => set.clips.includes(id)));
  const wanted = new Set(rows.map((r) => r.quality));
  const ids = (Object.keys(QUALITY_SYSTEMS) as QualityId[]).filter((id) => {
    if (!wanted.has(id)) return false;
    // On SwiftShader scoring a slow row's matte costs minutes (onnx-webgpu) to hours (RVM); the
    // onnx-webgpu mattes differ from tasks-vision's by 0.003 on average (README).
    return !(quick && !args.gpu && args.systems === null && rows.filter((r) => r.quality === id).every((r) => r.slowOnSoftware));
  });
  if (quick && !args.gpu && args.systems === null) notes.push('--quick: the slow rows show no quality (their mattes are not scored: minutes to hours on SwiftShader)');
  if (stills.length + clips.length === 0) notes.push('quality: no stills or clips, so no quality columns');
  else notes.push(`quality on ../shared/eval/dev: stills ${stills.length === set.stills.length ? `all ${stills.length}` : stills.join(', ') || 'none'}; clips ${clips.join(', ') || 'none'}`);

  let refine: BenchPlan['refine'] = null;
  if (args.refine) {
    refine = quick ? { sizes: [args.sizes[0]!], rounds: 3 } : { sizes: [...args.sizes], rounds: 5 };
    notes.push(`sparse vs full refine: ${refine.rounds} interleaved rounds at ${refine.sizes.map((s) => `${s.width}×${s.height}`).join(', ')}`);
  }
  return { sizes, slowFrames, quality: { ids, stills, clips }, refine, notes };
}
