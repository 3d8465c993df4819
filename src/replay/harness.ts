// The replay page: runs the real engine (same worker, same pipeline as the app) on every
// frame the Node command serves, in order, with no drops, and posts the read-backs back.
import { assetsAt } from '../assets';
import * as Comlink from 'comlink';
import { ReplacerError } from '../errors';
import { resolveOptions } from '../options';
import { parseKinectCalibration } from '../sources/kinect/calibration';
import { kinectColorFrame } from '../sources/kinect/colour';
import { decodeB16g, parseKinectRecording, type KinectCapture } from '../sources/kinect/recording';
import { y4mColorSpace } from '../sources/y4m';
import { installErrorTransfer } from '../errorTransfer';
import type { DepthInput, DepthStats, FrameStats, MemoryStats, PlateFit, RefineStats } from '../types/frame';
import type { EngineApi } from '../worker/protocol';
import { JOB_ID_PATTERN, JOB_PARAM, replayRoutes, type ReplayJob, type ReplayReport } from './jobProtocol';

const status = document.getElementById('status')!;

// replay.html?job=ID: every route of this page belongs to that job.
const jobId = new URLSearchParams(location.search).get(JOB_PARAM) ?? '';
const REPLAY_ROUTES = replayRoutes(JOB_ID_PATTERN.test(jobId) ? jobId : 'none');

async function fetchOk(url: string, init?: RequestInit): Promise<Response> {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: HTTP ${response.status} ${await response.text()}`);
  return response;
}

/** Frame `index` of the job's input, or of its background video with `route` REPLAY_ROUTES.backgroundFrame. */
async function frameAt(index: number, durationUs: number, route: (i: number) => string = REPLAY_ROUTES.frame): Promise<VideoFrame> {
  const response = await fetchOk(route(index));
  const timestamp = index * durationUs;
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (response.headers.get('x-kind') === 'i420') {
    const codedWidth = Number(response.headers.get('x-width'));
    const codedHeight = Number(response.headers.get('x-height'));
    const range = response.headers.get('x-range') === 'full' ? 'full' : 'limited';
    return new VideoFrame(bytes, { format: 'I420', codedWidth, codedHeight, timestamp, duration: durationUs, colorSpace: y4mColorSpace({ range }) });
  }
  const mime = response.headers.get('content-type') ?? 'application/octet-stream';
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes], { type: mime }));
  } catch (err) {
    throw new ReplacerError('corrupt-input', `frame ${index}: the image could not be decoded`, { cause: err });
  }
  try {
    return new VideoFrame(bitmap, { timestamp, duration: durationUs });
  } finally {
    bitmap.close();
  }
}

/** One input of the job: a frame, and its depth for a Kinect recording. */
interface JobInput {
  frame: VideoFrame;
  depth: DepthInput | null;
}

/**
 * The job's inputs in order: the served frames, or — for an Azure Kinect recording — the
 * recording demuxed here in the browser: each capture with a colour image, its colour decoded
 * to a VideoFrame and its depth converted from big-endian b16g. Sets the engine's depth
 * calibration from the recording's calibration.json first.
 */
async function jobInputs(job: ReplayJob, engine: Comlink.Remote<EngineApi>): Promise<{ count: number; input(i: number): Promise<JobInput> }> {
  if (!job.kinect) return { count: job.frames, input: async (i) => ({ frame: await frameAt(i, job.frameDurationUs), depth: null }) };
  const bytes = new Uint8Array(await (await fetchOk(REPLAY_ROUTES.recording)).arrayBuffer());
  const recording = parseKinectRecording(bytes);
  const captures = recording.captures.filter((c): c is KinectCapture & { color: NonNullable<KinectCapture['color']> } => Boolean(c.color));
  if (captures.length !== job.frames) throw new Error(`the page found ${captures.length} colour captures, the command ${job.frames}`);
  const depthMode = recording.tags.get('K4A_DEPTH_MODE');
  const colorMode = recording.tags.get('K4A_COLOR_MODE');
  if (recording.calibrationJson && depthMode && depthMode !== 'OFF' && colorMode && colorMode !== 'OFF') {
    const resolution = colorMode.slice(colorMode.indexOf('_') + 1);
    await engine.setDepthCalibration(parseKinectCalibration(recording.calibrationJson, depthMode, resolution));
  }
  const first = captures[0]!.color.timestampUs;
  return {
    count: captures.length,
    async input(i) {
      const c = captures[i]!;
      const frame = await kinectColorFrame(c.color, c.color.timestampUs - first);
      const depth = c.depth ? { width: c.depth.width, height: c.depth.height, data: decodeB16g(c.depth) } : null;
      return { frame, depth };
    },
  };
}

async function fetchImage(url: string, flag: string): Promise<ImageBitmap> {
  const blob = await (await fetchOk(url)).blob();
  try {
    return await createImageBitmap(blob);
  } catch (err) {
    throw new ReplacerError('unsupported-input', `The ${flag} file is not an image the browser can decode.`, { cause: err });
  }
}

async function run(): Promise<void> {
  installErrorTransfer();
  const job = (await (await fetchOk(REPLAY_ROUTES.job)).json()) as ReplayJob;
  // Replay and eval measure the full pipeline, frame by frame: adaptive quality only when asked.
  const options = resolveOptions({ targetFps: 0, ...job.options });
  const worker = new Worker(new URL('../worker/engine.worker.ts', import.meta.url), { type: 'module' });
  const engine = Comlink.wrap<EngineApi>(worker);
  try {
    const info = await engine.init(options, assetsAt('/', location.href));
    // A replay measures the backend it was asked for, or fails: never a silent fallback.
    if (options.backend !== 'auto' && info.backend !== options.backend) {
      throw new Error(`backend ${options.backend} was asked for but ${info.backend} runs: ${info.backendFallback ?? 'no reason given'}`);
    }
    if (job.hasBackground) {
      const image = await fetchImage(REPLAY_ROUTES.background, '--background');
      await engine.setBackground(Comlink.transfer(image, [image]));
    }
    if (job.hasPlate) {
      const image = await fetchImage(REPLAY_ROUTES.plate, '--plate');
      await engine.setPlate(Comlink.transfer(image, [image]));
    }
    const perFrame: FrameStats[] = [];
    const refine: (RefineStats | null)[] = [];
    const depthStats: (DepthStats | null)[] = [];
    let standing = 0;
    let plateFit: PlateFit | null = null;
    let memory: MemoryStats | null = null;
    let importPath = '';
    let outputPath = '';
    const inputs = await jobInputs(job, engine);
    const start = performance.now();
    for (let i = 0; i < inputs.count; i++) {
      const { frame, depth } = await inputs.input(i);
      // `video` mode: one background frame per output frame, in order, looped.
      const background = job.backgroundFrames > 0 ? await frameAt(i % job.backgroundFrames, job.frameDurationUs, REPLAY_ROUTES.backgroundFrame) : null;
      const result = await engine.process(
        Comlink.transfer(frame, [frame]),
        job.outputTypes,
        depth && Comlink.transfer(depth, [depth.data.buffer]),
        background && Comlink.transfer(background, [background]),
      );
      result.frame.close();
      perFrame.push(result.stats);
      refine.push(result.refine ?? null);
      depthStats.push(result.depth ?? null);
      if (result.standing) standing++;
      plateFit = result.plateFit ?? plateFit;
      memory = result.memory ?? memory;
      importPath = result.importPath;
      outputPath = result.outputPath;
      for (const type of job.outputTypes) {
        const rb = result.readbacks?.[type];
        if (!rb) throw new Error(`frame ${i}: no ${type} read-back`);
        await fetchOk(REPLAY_ROUTES.output(type, i), {
          method: 'POST',
          headers: { 'x-width': String(rb.width), 'x-height': String(rb.height), 'x-channels': String(rb.channels) },
          body: new Uint8Array(rb.data),
        });
      }
      status.textContent = `replay: ${i + 1}/${job.frames}`;
    }
    const report: ReplayReport = {
      adapter: info.adapter,
      backend: info.backend,
      importPath,
      outputPath,
      wallMs: performance.now() - start,
      perFrame,
      refine,
      plateFit,
      memory,
      depth: depthStats,
      standing,
    };
    await fetchOk(REPLAY_ROUTES.done, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(report) });
  } finally {
    await engine.dispose();
    worker.terminate();
  }
}

run().catch(async (err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  const code = err instanceof ReplacerError ? err.code : undefined;
  status.textContent = `replay failed: ${message}`;
  await fetch(REPLAY_ROUTES.error, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message, code }) });
});
