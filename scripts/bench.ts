// npm run bench -- [--quick] [--json FILE] [--gpu] [--sizes WxH,…] [--frames N] [--warmup N] [--systems ID,…]
//                  [--stills ID,…|all|none] [--clips ID,…|all|none] [--no-refine] [--timeout SECONDS] [--verbose]
// Benchmarks side by side, in one run, in one headless Chromium (SwiftShader; --gpu: the
// machine's GPU through Vulkan), on the same frames:
// - this project's engine (the app's worker) in each mode — blur (medium), image, plate matting
//   (image background) — and on each backend (tasks-vision, onnx-webgpu);
// - @twilio/video-processors 3.2.0, GaussianBlurBackgroundProcessor and VirtualBackgroundProcessor
//   at their defaults (their pipeline in a web worker, TFLite wasm, WebGL2), its browser build
//   served from this origin;
// - MediaPipe's segmenter (tasks-vision) alone, the floor;
// - where the user installed it (npm run models:fetch -- rvm), Robust Video Matting: alone (its
//   pha upsampled, nothing of ours) and as the prior of our refiner (matting 'rvm').
//   Without the model those rows are left out, with a note.
// Frames: segments of ../shared/eval/dev clips (with their plates) and ../shared/real/webcam_clips,
// scaled and cropped by ffmpeg to 640×360, 1280×720 and 1920×1080, fed as I420 VideoFrames. Each
// row runs on a fresh page: a few untimed frames, then every frame timed, one at a time, from the
// call to its result on the page's main thread (fps = frames ÷ summed time). Plate rows time the
// frames that have a plate; their ratio to Twilio uses Twilio's times on the same frames.
// Measured around the timed frames through DevTools: CPU time of the page's main thread
// (Performance.getMetrics ThreadTime), of the renderer's other threads, i.e. the workers
// (ProcessTime − ThreadTime), and of Chromium's GPU process (SystemInfo.getProcessInfo; on
// SwiftShader it runs the WebGPU and WebGL work); JS heap of the page and each worker; WebGPU
// memory of the engine worker (a probe counting its buffers and textures). Quality columns:
// each system's matte on the dev set's stills and clips, scored with src/eval (as npm run eval);
// Twilio's alpha recovered from composites over black and white. Sparse refine: share of pixels
// refined per frame (the engine's ProcessResult.refine) and the refine pass timed in sampling vs
// full mode (test/gpu/cases/refineCases.ts benchRefine, as npm run bench:refine).
// Prints one table per size and writes every figure to --json (default bench.json).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { measureBandwidth } from './lib/bandwidth/measure';
import { formatBandwidthTable } from './lib/bandwidth/table';
import type { BandwidthReport } from './lib/bandwidth/types';
import { formatAdaptive, measureAdaptive, type AdaptiveResult } from './lib/bench/adaptive';
import { fpsRatio, type FpsRatio } from './lib/bench/figures';
import { makePlan, parseBenchArgs, USAGE, type BenchArgs, type BenchPlan } from './lib/bench/plan';
import { measureQuality, serveItems, type QualityResult } from './lib/bench/quality';
import { timeRefine, type RefineTiming } from './lib/bench/refine';
import { buildSequence, listClipSources, planSegments, type BenchSequence, type ClipSource } from './lib/bench/sequences';
import { openBenchSession, type BenchSession } from './lib/bench/session';
import { measureRow, type RowResult } from './lib/bench/speed';
import { BACKGROUND_IMAGE, QUALITY_SYSTEMS, SYSTEMS, type QualityId } from './lib/bench/systems';
import { DASH, fixed, formatTable, sig3, type TableRow } from './lib/bench/table';
import { readInstalled } from './lib/modelFiles';
import { ROOT } from './lib/replayServer';
import { readImageFile } from './lib/runReplay';
import { readSetIndex, scoresJson, type SetIndexFile } from './lib/scoreSet';

const SHARED = resolve(ROOT, '../shared');
const SET = join(SHARED, 'eval/dev');
/** The image of the image modes: a real room without a person (../shared/LICENSES.md). */
const BACKGROUND_PATH = join(SHARED, 'real/plate_pairs/kitchen/bg_hd.png');
/** The still whose refine pass is timed (as npm run bench:refine). */
const REFINE_STILL = join(SET, 'stills/dev_00_0');
const MB = 2 ** 20;

function fail(message: string): never {
  console.error(`bench: ${message.split('\n')[0]}`);
  process.exit(1);
}

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const log = (line: string): void => console.log(`bench: ${line}`);

/**
 * Item 4 of the benchmark issue, bandwidth: measured by scripts/lib/bandwidth/measure.ts
 * (`measureBandwidth(...)`), which is to be called here; its figures go under `bandwidth` in the
 * JSON and a block of the printed report.
 */
async function bandwidthSection(args: BenchArgs): Promise<{ measured: true; report: BandwidthReport } | { measured: false; reason: string }> {
  if (!args.bandwidth) return { measured: false, reason: 'skipped (--no-bandwidth); npm run bench:bandwidth measures it alone' };
  log('bandwidth: our output vs the camera at a fixed quantizer (scripts/lib/bandwidth/measure.ts)');
  // --quick: the blur strengths only (the other modes are in npm run bench:bandwidth).
  const extraModes = args.quick ? { extraModes: [] } : {};
  return { measured: true, report: await measureBandwidth({ quick: args.quick, gpu: args.gpu, ...extraModes, onProgress: (line) => log(`bandwidth: ${line}`) }) };
}

/** The rows of one size as printed, with the quality of the matte each row shows. */
function tableRows(rows: readonly RowResult[], ratios: Map<RowResult, FpsRatio | null>, quality: Map<QualityId, QualityResult>): TableRow[] {
  return rows.map((r) => {
    const q = quality.get(SYSTEMS.find((s) => s.id === r.id)!.quality)?.summary;
    const heap = r.heap.workers === null ? null : (r.heap.page + r.heap.workers) / MB;
    return {
      system: r.id,
      mode: r.mode,
      backend: r.backend,
      frames: r.timing.frames,
      fps: r.timing.fps,
      medianMs: r.timing.medianMs,
      p95Ms: r.timing.p95Ms,
      gpuMs: r.engine?.gpu ?? null,
      cpuMainMs: r.cpu.main,
      cpuWorkersMs: r.cpu.workers,
      cpuGpuProcessMs: r.cpu.gpuProcess,
      heapMB: heap,
      gpuMemMB: r.gpuMemory ? r.gpuMemory.liveBytes / MB : null,
      ratio: ratios.get(r)?.value ?? null,
      sad: q?.sad ?? null,
      bandSad: q?.band_sad ?? null,
      iou: q?.iou ?? null,
      dtssd: q?.clip_dtssd ?? null,
    };
  });
}

/** Why each '—' of a row is one. */
function rowReasons(r: RowResult, ratio: FpsRatio | null, ratioReason: string | null, quality: QualityResult | undefined, plan: BenchPlan): Record<string, string> {
  const out: Record<string, string> = {};
  if (!r.engine) out.gpuMs = 'not this project: its GPU work is not instrumented (its time is in med ms)';
  if (r.stagesReason) out.stages = r.stagesReason;
  if (r.cpu.gpuProcess === null) out.cpuGpuProcess = 'no single GPU process in SystemInfo.getProcessInfo';
  if (r.heap.workers === null) out.heap = `a worker's heap could not be read: ${r.heap.perWorker.filter((w) => w.bytes === null).map((w) => w.url).join(', ')}`;
  if (r.gpuMemoryReason) out.gpuMemory = r.gpuMemoryReason;
  if (!ratio) out.ratio = ratioReason ?? 'no Twilio peer';
  const sys = SYSTEMS.find((s) => s.id === r.id)!;
  if (!quality) {
    out.quality = plan.quality.ids.includes(sys.quality)
      ? 'no still or clip was scored (--stills none --clips none)'
      : `the ${sys.quality} matte was not scored in this run (--quick scores no slow row's matte)`;
  } else if (quality.clips.length === 0) out.dtssd = 'no clip scored (--clips)';
  return out;
}

async function main(): Promise<void> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    fail(`${errorMessage(err)}. ${USAGE}`);
  }
  let plan: BenchPlan;
  let index: SetIndexFile;
  let sources: ClipSource[];
  try {
    index = readSetIndex(SET);
    // Rows of user-installed models (RVM) run only where the model is installed; the engine checks its files' sha256 when it loads them.
    const installed = new Set(readInstalled(join(ROOT, 'public/models')).map((m) => m.id));
    plan = makePlan(args, { stills: index.stills.map((s) => s.id), clips: index.clips.map((c) => c.id) }, installed);
    sources = listClipSources(SHARED);
  } catch (err) {
    fail(errorMessage(err));
  }
  const background = (() => {
    try {
      return readImageFile(BACKGROUND_PATH, 'background');
    } catch (err) {
      fail(errorMessage(err));
    }
  })();
  const started = performance.now();
  const date = new Date().toISOString();
  for (const n of plan.notes) log(n);
  const timer = setTimeout(() => fail(`timed out after ${args.timeoutS} s`), args.timeoutS * 1000);
  timer.unref();

  let session: BenchSession;
  try {
    session = await openBenchSession({ gpu: args.gpu, verbose: args.verbose });
  } catch (err) {
    fail(errorMessage(err));
  }
  const workDir = mkdtempSync(join(tmpdir(), 'bg-bench-'));
  const sequences: BenchSequence[] = [];
  const rows: RowResult[] = [];
  const quality = new Map<QualityId, QualityResult>();
  const refine: RefineTiming[] = [];
  let adaptive: AdaptiveResult | null = null;
  let failure: string | null = null;
  try {
    session.server.addImage(BACKGROUND_IMAGE, background);
    for (const size of plan.sizes) {
      const segments = planSegments(size.frames, sources);
      const seq = buildSequence(segments, size, workDir);
      sequences.push(seq);
      session.server.addSequence(seq.id, seq);
      for (const [name, image] of seq.plates) session.server.addImage(name, image);
      log(`${size.width}×${size.height}: frames ${segments.map((s) => `${s.source.id} ×${s.frames}`).join(' + ')}`);
      for (const system of size.systems) {
        const slow = system.slowOnSoftware && plan.slowFrames ? plan.slowFrames : size;
        const r = await measureRow(session, system, seq, Math.min(slow.frames, seq.count), slow.warmup);
        rows.push(r);
        log(`${size.width}×${size.height} ${r.id}: ${r.timing.frames} frames, ${sig3(r.timing.fps)} fps, median ${sig3(r.timing.medianMs)} ms (${r.seconds.toFixed(0)} s)`);
      }
    }
    // Adaptive quality: this project's blur row at the smallest size, fixed vs adaptive.
    const blurRow = plan.sizes[0]?.systems.find((s) => s.id === 'ours-blur');
    if (blurRow && sequences[0]) {
      const frames = args.frames !== null ? Math.max(12, 4 * args.frames) : args.quick ? 36 : 120;
      adaptive = await measureAdaptive(session, blurRow, sequences[0], frames);
      log(formatAdaptive(adaptive));
    }
    const items = serveItems(
      session,
      SET,
      plan.quality.stills,
      index.clips.filter((c) => plan.quality.clips.includes(c.id)),
    );
    try {
      if (items.items.length) {
        for (const id of plan.quality.ids) {
          const q = await measureQuality(session, QUALITY_SYSTEMS[id], items.items, SET, (item, s) => {
            if (args.verbose) log(`quality ${id}: ${item.kind} ${item.id} in ${s.toFixed(1)} s`);
          });
          quality.set(id, q);
          log(`quality ${id}: SAD ${fixed(q.summary.sad, 2)}, band SAD ${fixed(q.summary.band_sad, 2)}, IoU ${fixed(q.summary.iou, 3)}, dtSSD ${fixed(q.summary.clip_dtssd, 2)} (${q.seconds.toFixed(0)} s)`);
        }
      }
    } finally {
      items.close();
    }
    for (const size of plan.refine?.sizes ?? []) {
      const t = await timeRefine(session.browser, session.server.url, REFINE_STILL, size, plan.refine!.rounds);
      refine.push(t);
      log(`refine ${size.width}×${size.height}: sampling ${sig3(t.samplingMs)} ms vs full ${sig3(t.fullMs)} ms, ratio ${fixed(t.ratio, 3)} (${t.timing})`);
    }
  } catch (err) {
    failure = errorMessage(err);
  } finally {
    for (const s of sequences) s.close();
    rmSync(workDir, { recursive: true, force: true });
    await session.close();
  }
  if (failure !== null) fail(failure);

  // Ratios to Twilio, within this run: each row against its peer at the same size, same frames.
  const ratios = new Map<RowResult, FpsRatio | null>();
  const ratioReasons = new Map<RowResult, string>();
  for (const r of rows) {
    const peer = SYSTEMS.find((s) => s.id === r.id)!.twilioPeer;
    const theirs = peer ? rows.find((x) => x.id === peer && x.width === r.width && x.height === r.height) : undefined;
    if (!peer) ratioReasons.set(r, 'a Twilio row itself');
    else if (!theirs) ratioReasons.set(r, `${peer} was not run at ${r.width}×${r.height}`);
    ratios.set(r, peer && theirs ? fpsRatio(r.records, theirs.records, peer) : null);
  }

  // The WebGPU adapter (a Canvas 2D row reports none).
  const adapter = rows.find((r) => r.info.adapter && !r.info.adapter.startsWith('none'))?.info.adapter ?? rows.find((r) => r.info.adapter)?.info.adapter ?? refine[0]?.adapter ?? 'unknown';
  // Measured before the report is assembled: its figures are all in by then.
  const bandwidth = await bandwidthSection(args);
  const seconds = (performance.now() - started) / 1000;
  const report = {
    date,
    chromium: session.version,
    adapter,
    gpu: args.gpu,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', loadAverage1m: loadavg()[0] ?? Number.NaN },
    args,
    plan: {
      notes: plan.notes,
      sizes: plan.sizes.map((s) => ({ width: s.width, height: s.height, frames: s.frames, warmup: s.warmup, systems: s.systems.map((x) => x.id) })),
      slowFrames: plan.slowFrames,
      quality: plan.quality,
      refine: plan.refine,
    },
    definitions: {
      fps: 'timed frames ÷ the sum of their per-frame times (frames back to back, none dropped)',
      perFrameMs: "wall time on the page's main thread from the system's call to its result (ours: engine.process → output VideoFrame; Twilio: processFrame → output canvas; tasks-vision: resize to 256×144 + segmentation)",
      ratio: "fps ÷ the Twilio peer's fps over the same frames of the same run (blur rows ÷ twilio-blur, image and plate rows ÷ twilio-image, tasks-vision ÷ twilio-blur)",
      cpu: 'CPU ms per timed frame: main = the page main thread (DevTools ThreadTime); workers = renderer process minus main thread (ProcessTime − ThreadTime: the workers, plus Chromium renderer threads); GPU process = SystemInfo.getProcessInfo (on SwiftShader it executes the WebGPU and WebGL work). Counter resolution 10 ms over the whole timed run',
      heap: 'JS heap used after the timed frames: the page (Performance.getMetrics JSHeapUsedSize) plus each worker, one per script URL (Runtime.getHeapUsage); no forced GC',
      gpuMemory: "ours: WebGPU buffers and textures the engine worker holds after the timed frames (bytes from their sizes and formats, counted by a probe wrapping the worker's createBuffer/createTexture/destroy)",
      gpuMs: "ours: the engine's stats.gpu (GPU passes, submit → done), median",
      stages:
        "ours: per-stage GPU ms (stats.stages, medians) from the engine's timestamp queries (options.stageTimings on in every row of ours: marker passes and a small read-back per frame; its cost was within the noise here)",
      twilioSizes:
        'Twilio segments a 256×144 downscale of every frame (its inference size), upsamples the mask with its WebGL2 bilateral filter and composites at the frame size; this project runs the same 256×144 network on the frame and on the person, then mats at full size',
    },
    sizes: plan.sizes.map((size) => {
      const at = rows.filter((r) => r.width === size.width && r.height === size.height);
      return {
        width: size.width,
        height: size.height,
        frames: sequences.find((s) => s.size.width === size.width && s.size.height === size.height)?.segments.map((s) => ({ source: s.source.id, frames: s.frames, plate: s.source.plate !== null })) ?? [],
        rows: at.map((r) => ({
          ...r,
          ratio: ratios.get(r) ?? null,
          reasons: rowReasons(r, ratios.get(r) ?? null, ratioReasons.get(r) ?? null, quality.get(SYSTEMS.find((s) => s.id === r.id)!.quality), plan),
        })),
      };
    }),
    quality: Object.fromEntries([...quality].map(([id, q]) => [id, q])),
    refine: {
      /** Per size and row: the warm-up frames' refine accounting (the engine reads it back only when a read-back is asked for). */
      perFrame: rows.filter((r) => r.refine).map((r) => ({ id: r.id, width: r.width, height: r.height, frames: 'warm-up', ...r.refine })),
      /** On the quality items (1280×720 stills, 640×360 clips): mean share of pixels refined per frame. */
      devSet: Object.fromEntries([...quality].filter(([, q]) => q.refineShare.stills !== null || q.refineShare.clips !== null).map(([id, q]) => [id, q.refineShare])),
      samplingVsFull: refine,
    },
    adaptive: adaptive ? { measured: true, ...adaptive } : { measured: false, reason: "ours-blur is not in this run's first size" },
    bandwidth,
    /** Wall time of the whole run, bandwidth included. */
    seconds,
  };
  try {
    writeFileSync(args.json, scoresJson(report));
  } catch (err) {
    fail(`--json ${args.json}: ${errorMessage(err)}`);
  }

  console.log('');
  for (const s of report.sizes) {
    const at = rows.filter((r) => r.width === s.width && r.height === s.height);
    console.log(formatTable(`${s.width}×${s.height} — ${s.frames.map((f) => `${f.source} ×${f.frames}`).join(' + ')}`, tableRows(at, ratios, quality)));
    const stageLines = at.filter((r) => r.info.adapter && r.id.startsWith('ours')).map((r) => `  ${r.id}: ${r.stages ? Object.entries(r.stages).map(([k, v]) => `${k} ${sig3(v)}`).join(', ') : `${DASH} (${r.stagesReason})`}`);
    if (stageLines.length) console.log(['GPU time per stage (median ms):', ...stageLines].join('\n'));
    console.log('');
  }
  const pct = (v: number): string => `${(v * 100).toFixed(1)} %`;
  const shares = [
    ...rows.filter((r) => r.refine).map((r) => `  ${r.width}×${r.height} ${r.id}: ${pct(r.refine!.meanShare)} (median ${pct(r.refine!.medianShare)}, ${sig3(r.refine!.meanTiles)} tiles) over ${r.refine!.frames} warm-up frame${r.refine!.frames === 1 ? '' : 's'}`),
    ...[...quality]
      .filter(([, q]) => q.refineShare.stills !== null || q.refineShare.clips !== null)
      .map(([id, q]) => `  dev set, ${id}: ${q.refineShare.stills === null ? DASH : pct(q.refineShare.stills)} of the 1280×720 stills, ${q.refineShare.clips === null ? DASH : pct(q.refineShare.clips)} of the 640×360 clip frames`),
  ];
  if (shares.length) console.log(['Sparse refine, pixels refined per frame (share of the frame):', ...shares].join('\n'));
  for (const t of refine) {
    console.log(
      `Sparse vs full refine at ${t.width}×${t.height} (${t.timing}, ${t.rounds} rounds): ${t.tiles.sampling} of ${t.tiles.full} tiles (${pct(t.refinedShare)}), ` +
        `${sig3(t.samplingMs)} ms vs ${sig3(t.fullMs)} ms, ratio ${fixed(t.ratio, 3)}`,
    );
  }
  const tw = quality.get('twilio')?.alphaCheck;
  if (tw) {
    console.log(
      `Twilio alpha recovery over ${tw.frames} frames: |C_black − α·I| mean ${fixed(tw.meanResidual, 2)} levels (p99 ≤ ${fixed(tw.p99Residual, 1)}), ` +
        `channel spread of C_white − C_black ${fixed(tw.meanChannelSpread, 3)} levels`,
    );
  }
  for (const [ours, peer] of [
    ['ours-blur', 'twilio-blur'],
    ['ours-image', 'twilio-image'],
    ['ours-blur-canvas2d', 'twilio-blur'],
    ['ours-image-canvas2d', 'twilio-image'],
  ] as const) {
    const headline = plan.sizes.flatMap((size) => {
      const r = rows.find((x) => x.id === ours && x.width === size.width && x.height === size.height);
      const ratio = r ? ratios.get(r) : null;
      return ratio ? [`${size.width}×${size.height} ${fixed(ratio.value, 2)}`] : [];
    });
    if (headline.length) console.log(`${ours} fps ÷ ${peer} fps: ${headline.join(', ')}`);
  }
  if (quality.size) console.log(`band SAD (dev set): ${[...quality].map(([id, q]) => `${id} ${fixed(q.summary.band_sad, 2)}`).join(', ')}`);
  console.log(`Sizes: ${report.definitions.twilioSizes}.`);
  if (adaptive) console.log(formatAdaptive(adaptive));
  const bw = report.bandwidth;
  console.log(bw.measured ? `Bandwidth (bitrate saved vs the untouched camera):\n${formatBandwidthTable(bw.report)}` : `Bandwidth: ${DASH} (${bw.reason})`);
  log(`${adapter}, Chromium ${session.version}, ${report.machine.cpus} CPUs (load ${report.machine.loadAverage1m.toFixed(1)}), ${seconds.toFixed(0)} s → ${args.json}`);
}

main().catch((err: unknown) => fail(errorMessage(err)));
