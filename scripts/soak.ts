// npm run soak -- --frames N [--json FILE] [--size WxH] [--gpu] [--timeout SECONDS]
// Resource discipline under load: runs the public API (createBackgroundReplacer) in headless
// Chromium on a generated clip for N processed frames while a scenario switches every mode
// and view several times, changes backgrounds and captures and clears the plate, and compares
// the page's and the workers' resources after the warm-up with those at the end.
//
// Measurements (each realm: the page, the engine worker, the tasks-vision segmenter worker;
// probe: scripts/lib/soakProbe.ts):
// - JS heap used after gc() (--expose-gc) in every realm: performance.memory in the page
//   (--enable-precise-memory-info), DevTools' Runtime.getHeapUsage in workers; summed.
// - live VideoFrames: frames counted in (constructed, cloned, read from a stream, received in a
//   message) and not counted out (closed, transferred, written to a track generator), plus
//   frames counted out but still open.
// - GPU buffers and textures created and not destroyed (nor their device), not collected.
// - fps: processed frames per second of wall time over max(10, 5 % of N) processed frames at
//   the baseline state (below, scenario off), right after the warm-up and right after the N
//   frames: the same work at both ends; with the median engine times per stage, the
//   adaptive-quality level and the machine's load average, to tell a slower pipeline from a
//   busier machine.
// "Start" is after the warm-up (max(20, 5 % of N) processed frames and one tour of the
// scenario), back at the baseline state (default options, no background image, no plate),
// with the clip paused and the pipeline drained (nothing delivered or dropped for max(1 s,
// 4 × the slowest of the last 10 frames)). "End" is after N processed frames and the fps
// window, back at the baseline, paused and drained, then replacer.stop(), the clip's track
// ended, drained again, and 11 s after a GC so that Chrome's collected-without-close audit
// has run; before dispose().
//
// Checks (exit 1 when one fails): live VideoFrames at the end = 0; heap growth
// (end − start) / start ≤ 10 %; GPU buffers + textures at the end = after the warm-up; no
// `error` event, failed scenario action or uncaught page error; no Chrome warning about a
// VideoFrame garbage-collected without being closed, none seen by the probes either; every
// VideoFrame released was one the probes had counted in (the instrumentation is complete).
//
// --inject-leak (not in the usage line; the test's negative control): the page clones one
// input frame and never closes the clone, so the live-VideoFrames check must fail.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { SoakConfig } from './lib/soakProtocol';
import { runSoak, type Measurement, type SoakRunReport } from './lib/soakRun';

const USAGE = 'usage: npm run soak -- --frames N [--json FILE] [--size WxH] [--gpu] [--timeout SECONDS]';
const MAX_HEAP_GROWTH = 0.1;

function fail(message: string): never {
  console.error(`soak: ${message.split('\n')[0]}`);
  process.exit(1);
}

/** One pass/fail line of the report. */
interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** @throws Error naming the flag when a value is malformed */
function parseArguments(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      frames: { type: 'string' },
      json: { type: 'string' },
      size: { type: 'string', default: '320x180' },
      gpu: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '3600' },
      'inject-leak': { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.frames === undefined) throw new Error(`--frames is required. ${USAGE}`);
  const frames = Number(values.frames);
  if (!/^\d+$/.test(values.frames) || !Number.isSafeInteger(frames) || frames < 1) throw new Error(`--frames must be a positive integer, got ${values.frames}`);
  const size = /^(\d+)x(\d+)$/.exec(values.size);
  const [width, height] = size ? [Number(size[1]), Number(size[2])] : [0, 0];
  if (!(width >= 16 && height >= 16 && width <= 3840 && height <= 2160)) throw new Error(`--size must be WxH within 16x16..3840x2160, got ${values.size}`);
  const timeoutS = Number(values.timeout);
  if (!(timeoutS > 0)) throw new Error(`--timeout must be a positive number of seconds, got ${values.timeout}`);
  if (values.json === '') throw new Error('--json needs a file name');
  return { frames, json: values.json ?? null, width, height, gpu: values.gpu, timeoutS, injectLeak: values['inject-leak'] };
}

type Args = ReturnType<typeof parseArguments>;

/** The page's parameters for N frames: warm-up and fps window 5 % of N (at least 20 and 10), a step every ~1 % (4..30). */
function soakConfig(args: Args): SoakConfig {
  return {
    width: args.width,
    height: args.height,
    frames: args.frames,
    warmup: Math.max(20, Math.round(args.frames * 0.05)),
    fpsWindow: Math.max(10, Math.round(args.frames * 0.05)),
    step: Math.min(30, Math.max(4, Math.round(args.frames / 100))),
    injectLeak: args.injectLeak,
  };
}

function checks(r: SoakRunReport, heapGrowth: number): Check[] {
  const gpuErrors = r.console.filter((m) => m.text.includes('WebGPU error'));
  const start = r.startMeasurement;
  const end = r.endMeasurement;
  const gpuStart = start.gpu.buffers + start.gpu.textures;
  const gpuEnd = end.gpu.buffers + end.gpu.textures;
  const errors = [...r.end.errors, ...r.pageErrors];
  return [
    { name: 'live VideoFrames at the end = 0', ok: end.liveVideoFrames === 0, detail: String(end.liveVideoFrames) },
    { name: `heap growth ≤ ${MAX_HEAP_GROWTH * 100} %`, ok: heapGrowth <= MAX_HEAP_GROWTH, detail: percent(heapGrowth) },
    { name: 'GPU buffers + textures at the end = after warm-up', ok: gpuEnd === gpuStart, detail: `${gpuStart} → ${gpuEnd}` },
    { name: 'no errors', ok: errors.length === 0, detail: errors.length ? errors[0]! : '0' },
    // The engine logs WebGPU validation errors (uncapturederror) with this prefix.
    { name: 'no WebGPU errors', ok: gpuErrors.length === 0, detail: gpuErrors.length ? `×${gpuErrors[0]!.count}: ${gpuErrors[0]!.text.split('\n')[0]}` : '0' },
    {
      name: 'no VideoFrame garbage-collected unclosed',
      ok: r.gcWarnings === 0 && end.collectedUnclosed === 0,
      detail: `${r.gcWarnings} Chrome warnings, ${end.collectedUnclosed} seen by the probes`,
    },
    { name: 'every released VideoFrame was counted in', ok: end.releasedUnseen === 0, detail: `${end.releasedUnseen} unseen` },
  ];
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(2);
const percent = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;
const fixed = (x: number): string => x.toFixed(1);

function table(r: SoakRunReport, args: Args, heapGrowth: number, result: Check[]): string {
  const s = r.startMeasurement;
  const e = r.endMeasurement;
  const row = (label: string, a: string, b: string, note = ''): string => `${label.padEnd(30)}${a.padStart(10)}${b.padStart(10)}  ${note}`.trimEnd();
  const lines = [
    `soak: ${r.end.processed} frames processed at ${args.width}×${args.height} on ${r.start.adapter} (${r.start.backend}) in ${r.runtimeS.toFixed(0)} s (warm-up ${r.phasesS.warmup.toFixed(0)} s, run ${r.phasesS.run.toFixed(0)} s, end ${r.phasesS.end.toFixed(0)} s)`,
    row('', 'start', 'end'),
    row('JS heap, MiB', mib(s.heapUsed), mib(e.heapUsed), percent(heapGrowth)),
    ...s.realms.map((realm) => row(`  ${realm.realm}`, mib(realm.heapUsed), mib(e.realms.find((x) => x.realm === realm.realm)?.heapUsed ?? NaN))),
    row('live VideoFrames', String(s.liveVideoFrames), String(e.liveVideoFrames)),
    row('GPU buffers', String(s.gpu.buffers), String(e.gpu.buffers)),
    row('GPU textures', String(s.gpu.textures), String(e.gpu.textures)),
    row('fps (processed)', fixed(r.end.fps.start), fixed(r.end.fps.end)),
    ...(['total', 'import', 'segment', 'gpu'] as const).map((k) => row(`  engine ${k} ms (median)`, fixed(r.end.engineMs.start[k]), fixed(r.end.engineMs.end[k]))),
    row('  quality level', String(r.end.quality.start ?? '–'), String(r.end.quality.end ?? '–')),
    row('load average (1 min)', r.loadAverage.start.toFixed(1), r.loadAverage.end.toFixed(1)),
    `VideoFrames counted in: ${e.framesCounted}; Chrome GC warnings: ${r.gcWarnings}`,
    ...r.console.filter((m) => m.type === 'error').map((m) => `console error ×${m.count}: ${m.text.split('\n')[0]}`),
    ...result.map((c) => `${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`),
  ];
  return lines.join('\n');
}

/** The JSON report: every figure, the arguments, the adapter, the scenario counts and the checks. */
function jsonReport(r: SoakRunReport, args: Args, config: SoakConfig, heapGrowth: number, result: Check[]) {
  const figures = (m: Measurement) => ({
    heapUsed: m.heapUsed,
    liveVideoFrames: m.liveVideoFrames,
    gpu: m.gpu,
    framesCounted: m.framesCounted,
    collectedUnclosed: m.collectedUnclosed,
    releasedUnseen: m.releasedUnseen,
    realms: m.realms,
  });
  const { processed, passedThrough, covered, dropped } = r.end;
  return {
    args,
    config,
    adapter: r.start.adapter,
    backend: r.start.backend,
    runtimeS: r.runtimeS,
    phasesS: r.phasesS,
    frames: { warmup: { processed: r.start.processed, passedThrough: r.start.passedThrough, covered: r.start.covered, dropped: r.start.dropped }, end: { processed, passedThrough, covered, dropped }, written: r.end.written },
    start: figures(r.startMeasurement),
    end: figures(r.endMeasurement),
    heapGrowth,
    fps: r.end.fps,
    engineMs: r.end.engineMs,
    quality: r.end.quality,
    loadAverage: r.loadAverage,
    gcWarnings: r.gcWarnings,
    scenario: r.end.scenario,
    errors: [...r.end.errors, ...r.pageErrors],
    console: r.console,
    checks: result,
    ok: result.every((c) => c.ok),
  };
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArguments(process.argv.slice(2));
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  const config = soakConfig(args);
  const report = await runSoak({
    config,
    gpu: args.gpu,
    timeoutMs: args.timeoutS * 1000,
    onProgress: (line) => console.error(`soak: ${line}`),
  });
  const heapGrowth = (report.endMeasurement.heapUsed - report.startMeasurement.heapUsed) / report.startMeasurement.heapUsed;
  const result = checks(report, heapGrowth);
  console.log(table(report, args, heapGrowth, result));
  if (args.json) writeFileSync(args.json, JSON.stringify(jsonReport(report, args, config, heapGrowth, result), null, 2) + '\n');
  if (!result.every((c) => c.ok)) process.exit(1);
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
