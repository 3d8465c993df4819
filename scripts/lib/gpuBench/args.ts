// The Node GPU bench's command line (scripts/bench-gpu.ts passes the user's flags through, with
// the paths of the repository; the GPU bundle's entry point with the bundle's).
import { parseArgs } from 'node:util';
import { parseSizes, type Size } from '../bench/plan';
import { ROW_IDS, type RowId } from './rowSpecs';

export const USAGE = [
  'usage: npm run bench:gpu -- [--sizes 1280x720,1920x1080,3840x2160] [--rows ID,…] [--frames N] [--warmup N] [--max-seconds S]',
  '                            [--json FILE] [--table FILE] [--no-base-network] [--record-only]',
  '                            [--rvm MODEL_JSON]',
  `  rows: ${ROW_IDS.join(', ')} (default: all); the rvm rows need Robust Video Matting (npm run models:fetch -- rvm, or --rvm)`,
  '  (the harness itself also takes --dawn FILE --model FILE --ort DIR --still DIR --background FILE --masks DIR)',
].join('\n');

/** The bench's default sizes: HD, full HD, 4K. */
export const DEFAULT_SIZES = '1280x720,1920x1080,3840x2160';

/**
 * The harness's files: dawn.node; the ONNX base network; onnxruntime-web's runtime folder; the
 * dev still (image.png, plate.png); the image-mode background (PNG); the masks cache; Robust
 * Video Matting's graph (model.json, its weight files beside it), null when it is not installed.
 */
export interface BenchFiles {
  dawn: string;
  model: string;
  ort: string;
  still: string;
  background: string;
  masks: string;
  rvm: string | null;
}

/** What the harness runs, and where it finds its files. */
export interface GpuBenchArgs extends BenchFiles {
  /** Frame sizes, each side even, a multiple of 4 (BGMv2's patch grid), 16..3840 × 16..2160. */
  sizes: Size[];
  /** The rows to time, in table order (default: every row). */
  rows: RowId[];
  /** Timed frames per row (≥ 1) and untimed warm-up frames before them (≥ 0). */
  frames: number;
  warmup: number;
  /** Wall-clock budget of one row in seconds (> 0): a row stops early once it is spent, after at least one timed frame. */
  maxSeconds: number;
  /** Where to write the JSON and the printed table (null: not written). */
  json: string | null;
  table: string | null;
  /** Whether to time the base network on the device (onnxruntime-web's WebGPU provider). */
  baseNetwork: boolean;
  /** Only record the masks missing for the sizes into `masks`, time nothing (the GPU bundle's build). */
  recordOnly: boolean;
}

/**
 * The bench's sizes: WIDTHxHEIGHT, comma-separated, each side even, 16..3840 × 16..2160
 * (parseSizes) and a multiple of 4 (BGMv2's refiner works on its 4×4 grid).
 * @throws Error naming the bad size
 */
export function parseBenchSizes(text: string): Size[] {
  const sizes = parseSizes(text);
  for (const s of sizes) {
    if (s.width % 4 || s.height % 4) throw new Error(`--sizes: ${s.width}x${s.height}: sides must be multiples of 4 (BGMv2's refiner works on its 4×4 grid)`);
  }
  return sizes;
}

function count(flag: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} must be an integer ≥ ${min}, got "${text}"`);
  return n;
}

/**
 * Parses the harness's arguments.
 * @param argv the arguments after the script name
 * @returns null for --help
 * @throws Error with a one-line message naming the bad or missing flag
 */
export function parseGpuBenchArgs(argv: readonly string[]): GpuBenchArgs | null {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      sizes: { type: 'string', default: DEFAULT_SIZES },
      rows: { type: 'string', default: ROW_IDS.join(',') },
      frames: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      'max-seconds': { type: 'string', default: '120' },
      json: { type: 'string' },
      table: { type: 'string' },
      'no-base-network': { type: 'boolean', default: false },
      'record-only': { type: 'boolean', default: false },
      dawn: { type: 'string' },
      model: { type: 'string' },
      ort: { type: 'string' },
      still: { type: 'string' },
      background: { type: 'string' },
      masks: { type: 'string' },
      rvm: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return null;
  const sizes = parseBenchSizes(values.sizes);
  const maxSeconds = Number(values['max-seconds']);
  if (!(maxSeconds > 0) || !Number.isFinite(maxSeconds)) throw new Error(`--max-seconds must be a number > 0, got "${values['max-seconds']}"`);
  const path = (flag: 'dawn' | 'model' | 'ort' | 'still' | 'background' | 'masks'): string => {
    const v = values[flag];
    if (!v) throw new Error(`--${flag} is required (npm run bench:gpu and the GPU bundle's run.sh pass it)`);
    return v;
  };
  const asked = values.rows.split(',').map((r) => r.trim());
  const unknown = asked.filter((r) => !(ROW_IDS as readonly string[]).includes(r));
  if (unknown.length > 0 || asked.length === 0) throw new Error(`--rows takes row ids from ${ROW_IDS.join(', ')}; got "${values.rows}"`);
  return {
    sizes,
    rows: ROW_IDS.filter((id) => asked.includes(id)),
    frames: count('frames', values.frames, 1),
    warmup: count('warmup', values.warmup, 0),
    maxSeconds,
    json: values.json ?? null,
    table: values.table ?? null,
    baseNetwork: !values['no-base-network'],
    recordOnly: values['record-only'],
    dawn: path('dawn'),
    model: path('model'),
    ort: path('ort'),
    still: path('still'),
    background: path('background'),
    masks: path('masks'),
    rvm: values.rvm ?? null,
  };
}
