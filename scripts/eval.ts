// npm run eval -- --set DIR --out DIR [--plate | --no-plate] [--ids a,b] [OPTION FLAGS] [--compare DIR]
//                 [--gpu] [--verbose] [--timeout SECONDS] [--help]
// The option flags are those of EVAL_OPTIONS, the options that change the matte, as OPTION_SPEC in
// src/options.ts names them: --refine-mode, --refine-budget, --refine-threshold, --temporal
// (temporalSmoothing), --backend, --edge-sensitivity, --matting, --rvm-runtime, --standing,
// --no-background-memory (--help lists them). --rvm-runtime cpu runs RVM's graph on TensorFlow.js's
// CPU backend: the same mattes to float rounding, about 4× faster where WebGPU is SwiftShader.
// The background memory (on by default) runs on clips only: a still has no history, so stills
// always run with backgroundMemory false. With --plate the memory starts from the captured plate
// and keeps it fresh, as in the live pipeline.
// Runs the real browser pipeline on every still and every clip of an evaluation set laid
// out like ../shared/eval/dev (each still as its own job; each clip as one job, frames in
// order, so the engine keeps its history), writes the alpha mattes as 8-bit grey PNGs at
// input size (OUT/stills/<id>.png, OUT/clips/<id>/NNNN.png), scores them as
// ../shared/eval/score_alpha.py does, writes OUT/scores.json and prints a summary.
// --compare DIR: another eval's OUT (e.g. the other backend's): per still, the mean absolute
// difference of the two mattes and their IoU difference against the ground truth, written to
// OUT/compare.json and printed.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReplacerError } from '../src/errors';
import { compareRuns } from '../src/eval/compareRuns';
import { formatG, summaryLine, type ScoreReport } from '../src/eval/score';
import type { Options, OptionName } from '../src/options';
import type { ReplayReport } from '../src/replay/jobProtocol';
import type { FrameStats } from '../src/types/frame';
import { openFrameSource, type NodeFrameSource } from './lib/frames';
import { optionFlags } from './lib/optionFlags';
import { encodeReadbackPng, openReplaySession, readImageFile, type PostedOutput, type ReplaySession, type ServedImage } from './lib/runReplay';
import { predictionPath, readScoreAlpha, readSetIndex, scoreDirectory, scoresJson, type SetIndexFile } from './lib/scoreSet';
import { summarise } from './lib/stats';

/** The options eval takes on its command line: those that change the alpha matte it scores. */
const EVAL_OPTIONS: readonly OptionName[] = ['backend', 'edgeSensitivity', 'refineMode', 'refineBudget', 'refineThreshold', 'temporalSmoothing', 'backgroundMemory', 'matting', 'rvmRuntime', 'standing'];
const FLAGS = optionFlags(EVAL_OPTIONS);
const USAGE = `usage: npm run eval -- --set DIR --out DIR [--plate | --no-plate] [--ids a,b] ${FLAGS.usage} [--compare DIR] [--gpu] [--verbose] [--timeout SECONDS] [--help]`;

function fail(message: string): never {
  console.error(`eval: ${message.split('\n')[0]}`);
  process.exit(1);
}

const errorMessage = (err: unknown): string => (err instanceof ReplacerError || err instanceof Error ? err.message : String(err));

/** One replay job of the evaluation: a still or a whole clip. */
interface EvalItem {
  kind: 'still' | 'clip';
  id: string;
  /** Frame source path: a still's image.png, a clip's clip.y4m or frames/ folder. */
  input: string;
  plate: string | null;
  /** Frames the set's index promises (1 for a still). */
  frames: number;
}

/** Works out every job's input files; exits with a one-line error when one is missing. */
function planItems(setDir: string, index: SetIndexFile, usePlate: boolean): EvalItem[] {
  const items: EvalItem[] = [];
  const need = (path: string, what: string): string => {
    if (!existsSync(path)) fail(`${path}: no such file (${what})`);
    return path;
  };
  for (const s of index.stills) {
    const dir = join(setDir, 'stills', s.id);
    items.push({ kind: 'still', id: s.id, input: need(join(dir, 'image.png'), `still ${s.id}`), plate: usePlate ? need(join(dir, 'plate.png'), `plate of ${s.id}`) : null, frames: 1 });
  }
  for (const c of index.clips) {
    const dir = join(setDir, 'clips', c.id);
    const y4m = join(dir, 'clip.y4m');
    const input = existsSync(y4m) ? y4m : need(join(dir, 'frames'), `clip ${c.id}: neither clip.y4m nor frames/`);
    items.push({ kind: 'clip', id: c.id, input, plate: usePlate ? need(join(dir, 'plate.png'), `plate of ${c.id}`) : null, frames: c.frames });
  }
  return items;
}

/**
 * Runs one item as one job and writes its pha read-backs where the scorer reads them. A still
 * runs without the background memory (one frame has no history to learn from), whatever `options` say.
 * @throws Error naming the item when its input cannot be read or the job fails
 */
async function runItem(session: ReplaySession, item: EvalItem, outDir: string, options: Partial<Options>, timeoutMs: number): Promise<ReplayReport> {
  let source: NodeFrameSource | null = null;
  try {
    source = openFrameSource(item.input);
    const plate: ServedImage | null = item.plate ? readImageFile(item.plate, 'plate') : null;
    if (source.count !== item.frames) throw new Error(`${item.input} has ${source.count} frames, index.json says ${item.frames}`);
    if (item.kind === 'clip') mkdirSync(join(outDir, 'clips', item.id), { recursive: true });
    const write = (o: PostedOutput): void => {
      const path = item.kind === 'still' ? predictionPath.still(outDir, item.id) : predictionPath.clipFrame(outDir, item.id, o.index);
      writeFileSync(path, encodeReadbackPng(o));
    };
    const itemOptions: Partial<Options> = item.kind === 'still' ? { ...options, backgroundMemory: false } : options;
    return await session.run({ source, options: itemOptions, outputTypes: ['pha'], plate, timeoutMs, onOutput: write, label: item.id });
  } catch (err) {
    throw new Error(`${item.id}: ${errorMessage(err)}`, { cause: err });
  } finally {
    source?.close();
  }
}

/** Share of the refined tiles that took the plate (captured, or the background memory where it knows enough); null without refine stats. */
function plateTileShare(reports: readonly ReplayReport[]): number | null {
  const stats = reports.flatMap((r) => r.refine.filter((x) => x !== null));
  const tiles = stats.reduce((n, x) => n + x.tiles, 0);
  return tiles > 0 ? stats.reduce((n, x) => n + x.plateTiles, 0) / tiles : stats.length ? 0 : null;
}

/** Mean refined share per frame over the frames that carried refine stats; null when none did. */
function meanRefineShare(reports: readonly ReplayReport[]): number | null {
  const shares = reports.flatMap((r) => r.refine.filter((x) => x !== null).map((x) => x.share));
  return shares.length ? shares.reduce((a, b) => a + b, 0) / shares.length : null;
}

const pad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

/** The printed summary: one row per still and per clip, then the means. */
function summaryTable(report: ScoreReport): string {
  const lines: string[] = [];
  const idWidth = Math.max(8, ...report.stills.map((s) => s.id.length), ...report.clips.map((c) => c.id.length)) + 2;
  const row = (id: string, cells: string[]): string => id.padEnd(idWidth) + cells.map((c) => pad(c, 10)).join('');
  const f = (v: number): string => formatG(v);
  if (report.stills.length) {
    lines.push(row('still', ['SAD', 'band SAD', 'IoU', 'MSE', 'Grad', 'Conn']));
    for (const s of report.stills) lines.push(row(s.id, [s.sad, s.band_sad, s.iou, s.mse, s.grad, s.conn].map(f)));
    const m = report.summary;
    lines.push(row('mean', [m.sad, m.band_sad, m.iou, m.mse, m.grad, m.conn].map(f)));
  }
  if (report.clips.length) {
    if (lines.length) lines.push('');
    lines.push(row('clip', ['SAD', 'band SAD', 'MSE', 'dtSSD']));
    for (const c of report.clips) lines.push(row(c.id, [c.sad, c.band_sad, c.mse, c.dtssd].map(f)));
    const m = report.summary;
    lines.push(row('mean', [m.clip_sad, m.clip_band_sad, m.clip_mse, m.clip_dtssd].map(f)));
  }
  lines.push('', summaryLine(report.summary));
  return lines.join('\n');
}

async function main(): Promise<void> {
  let args;
  try {
    args = FLAGS.parse({
      set: { type: 'string' },
      out: { type: 'string' },
      plate: { type: 'boolean', default: false },
      'no-plate': { type: 'boolean', default: false },
      ids: { type: 'string' },
      compare: { type: 'string' },
      gpu: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '900' },
      help: { type: 'boolean', default: false },
    });
  } catch (err) {
    fail(`${errorMessage(err)} ${USAGE}`);
  }
  if (args.help) {
    console.log(`${USAGE}\n\nOptions (src/options.ts; those not given keep the page's defaults):\n${FLAGS.help}`);
    return;
  }
  if (!args.set) fail(`--set is required. ${USAGE}`);
  if (!args.out) fail(`--out is required. ${USAGE}`);
  if (args.plate && args['no-plate']) fail('--plate and --no-plate exclude each other');
  const timeoutMs = Number(args.timeout) * 1000;
  if (!(timeoutMs > 0)) fail(`--timeout must be a positive number of seconds, got ${args.timeout}`);
  let options: Readonly<Options>;
  let partial: Partial<Options>;
  // Only pha is read back; 'color' is the cheapest composite that still runs the whole matting
  // path. Only these options go to the page, so its defaults apply to the rest (a fixed,
  // full-quality pipeline: targetFps 0; see src/replay/harness.ts).
  try {
    ({ partial, options } = FLAGS.read(args, { mode: 'color' }));
  } catch (err) {
    fail(errorMessage(err));
  }

  let index: SetIndexFile;
  try {
    index = readSetIndex(args.set);
  } catch (err) {
    fail(errorMessage(err));
  }
  let ids: string[] | undefined;
  if (args.ids !== undefined) {
    ids = [...new Set(args.ids.split(',').map((s) => s.trim()).filter(Boolean))];
    if (ids.length === 0) fail('--ids is empty');
    const known = new Set([...index.stills.map((s) => s.id), ...index.clips.map((c) => c.id)]);
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length) fail(`--ids: ${unknown.map((id) => `"${id}"`).join(', ')} not in ${join(args.set, 'index.json')}`);
    const keep = new Set(ids);
    index = { ...index, stills: index.stills.filter((s) => keep.has(s.id)), clips: index.clips.filter((c) => keep.has(c.id)) };
  }
  const usePlate = args.plate === true;
  const items = planItems(args.set, index, usePlate);
  if (items.length === 0) fail(`${args.set}: no stills or clips to evaluate`);

  const outDir = args.out;
  try {
    mkdirSync(join(outDir, 'stills'), { recursive: true });
    mkdirSync(join(outDir, 'clips'), { recursive: true });
  } catch (err) {
    fail(`--out ${outDir}: ${errorMessage(err)}`);
  }

  const started = performance.now();
  const reports = new Map<string, ReplayReport>();
  let session: ReplaySession;
  try {
    session = await openReplaySession({ gpu: args.gpu, verbose: args.verbose });
  } catch (err) {
    fail(errorMessage(err));
  }
  let failure: string | null = null;
  try {
    for (const [n, item] of items.entries()) {
      const t0 = performance.now();
      const report = await runItem(session, item, outDir, partial, timeoutMs);
      reports.set(item.id, report);
      const s = ((performance.now() - t0) / 1000).toFixed(1);
      console.log(`eval: [${n + 1}/${items.length}] ${item.kind} ${item.id}: ${item.frames} frame${item.frames === 1 ? '' : 's'} in ${s} s`);
    }
  } catch (err) {
    failure = errorMessage(err);
  } finally {
    await session.close();
  }
  if (failure !== null) fail(failure);

  let scores: ScoreReport;
  try {
    scores = scoreDirectory(args.set, outDir, ids);
  } catch (err) {
    fail(`scoring: ${errorMessage(err)}`);
  }
  const all = [...reports.values()];
  const first = all[0]!;
  const byKind = (kind: EvalItem['kind']): ReplayReport[] => items.filter((i) => i.kind === kind).map((i) => reports.get(i.id)!);
  const stages = (rs: ReplayReport[]): Record<string, { median: number; p95: number }> | null => {
    const frames: FrameStats[] = rs.flatMap((r) => r.perFrame);
    return frames.length ? summarise(frames) : null;
  };
  const run = {
    set: args.set,
    ids: ids ?? null,
    plate: usePlate,
    options,
    /** Whether the background memory ran (options.backgroundMemory, for clips; stills never run it). */
    backgroundMemory: { stills: false, clips: options.backgroundMemory },
    /** Per clip, the last background-memory measurement the engine reported, or null. */
    memory: Object.fromEntries(items.filter((i) => i.kind === 'clip').map((i) => [i.id, reports.get(i.id)!.memory])),
    adapter: first.adapter,
    backend: first.backend,
    gpu: args.gpu,
    importPath: first.importPath,
    outputPath: first.outputPath,
    clipInputs: Object.fromEntries(items.filter((i) => i.kind === 'clip').map((i) => [i.id, i.input])),
    wallMs: Math.round(performance.now() - started),
    /** Per-stage worker timings in ms, over every still frame and every clip frame. */
    stages: { stills: stages(byKind('still')), clips: stages(byKind('clip')) },
    /** Mean share of each frame's pixels the refiner refined; null when the engine reported none. */
    refineShare: { stills: meanRefineShare(byKind('still')), clips: meanRefineShare(byKind('clip')) },
    /** Share of the refined tiles that took the plate (captured, or the background memory); null when the engine reported none. */
    plateTileShare: { stills: plateTileShare(byKind('still')), clips: plateTileShare(byKind('clip')) },
  };
  writeFileSync(join(outDir, 'scores.json'), scoresJson({ ...scores, run }));

  const timing = (name: string, st: Record<string, { median: number; p95: number }> | null): string =>
    st ? `${name} ${Object.entries(st).map(([k, v]) => `${k} ${v.median}/${v.p95}`).join(', ')} ms (median/p95)` : '';
  console.log('');
  console.log(summaryTable(scores));
  console.log([timing('stills:', run.stages.stills), timing('clips:', run.stages.clips)].filter(Boolean).join('\n'));
  if (run.refineShare.stills !== null || run.refineShare.clips !== null) {
    const pct = (v: number | null): string => (v === null ? 'n/a' : `${(v * 100).toFixed(1)} %`);
    console.log(
      `refined share per frame: stills ${pct(run.refineShare.stills)}, clips ${pct(run.refineShare.clips)}; ` +
        `refined tiles that took the plate or memory: stills ${pct(run.plateTileShare.stills)}, clips ${pct(run.plateTileShare.clips)}`,
    );
  }
  if (args.compare) {
    const other = args.compare;
    try {
      const otherScores = JSON.parse(readFileSync(join(other, 'scores.json'), 'utf8')) as ScoreReport & { run?: { backend?: string } };
      const matte = (dir: string) => (id: string) => {
        const m = readScoreAlpha(predictionPath.still(dir, id));
        if (!m) throw new Error(`${predictionPath.still(dir, id)} is missing`);
        return m.alpha;
      };
      const ids = scores.stills.map((s) => s.id);
      const agreement = compareRuns(ids, matte(outDir), matte(other), scores.stills, otherScores.stills);
      writeFileSync(join(outDir, 'compare.json'), scoresJson({ against: other, againstBackend: otherScores.run?.backend ?? null, ...agreement }));
      for (const s of agreement.stills) console.log(`compare: ${s.id}: MAD ${s.mad.toFixed(4)}, mask IoU ${s.iou.toFixed(4)}, ΔIoU vs truth ${s.iouDelta >= 0 ? '+' : ''}${s.iouDelta.toFixed(4)}`);
      const meanIou = (rows: readonly { id: string; iou: number }[]): number =>
        ids.reduce((sum, id) => sum + (rows.find((r) => r.id === id)?.iou ?? Number.NaN), 0) / ids.length;
      console.log(
        `compare: against ${other} (${otherScores.run?.backend ?? 'unknown backend'}), ${ids.length} stills: mean MAD ${agreement.mad.toFixed(4)}, mean mask IoU ${agreement.iou.toFixed(4)}, ` +
          `mean IoU ${meanIou(scores.stills).toFixed(4)} vs ${meanIou(otherScores.stills).toFixed(4)} (Δ ${agreement.iouDelta.toFixed(4)})`,
      );
    } catch (err) {
      fail(`--compare ${other}: ${errorMessage(err)}`);
    }
  }
  const memoryRan = options.backgroundMemory && index.clips.length > 0;
  const memoryLabel = `background memory ${memoryRan ? 'on' : 'off'}${memoryRan && index.stills.length ? ' (clips only)' : ''}`;
  console.log(`eval: ${index.stills.length} stills, ${index.clips.length} clips, ${usePlate ? 'with' : 'no'} plate, ${memoryLabel}, on ${first.adapter} in ${(run.wallMs / 1000).toFixed(0)} s → ${join(outDir, 'scores.json')}`);
}

main().catch((err: unknown) => fail(errorMessage(err)));
