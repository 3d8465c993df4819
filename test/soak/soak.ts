// The soak page (test/soak/soak.html): runs the public API, createBackgroundReplacer(), on a
// generated clip while a scenario switches modes and views, changes backgrounds and captures
// and clears the plate. The soak command (scripts/soak.ts) drives it through `window.soak`
// and measures from outside (heap, live VideoFrames, GPU objects); the protocol is
// scripts/lib/soakProtocol.ts.
import { createBackgroundReplacer, type BackgroundReplacer, type ReplacerStats } from '../../src/element/api';
import type { Options } from '../../src/options';
import type { EngineMs, FrameCounts, ScenarioCounts, SoakConfig } from '../../scripts/lib/soakProtocol';
import { startClip, type Clip } from './clip';

// The WebGPU pipeline, also on SwiftShader (renderer auto would pick the Canvas 2D path there).
const BASELINE: Partial<Options> = { mode: 'blur', blurStrength: 'medium', view: 'com', renderer: 'webgpu' };
/** Delivered frames between two steps during the warm-up's tour of the scenario. */
const TOUR_STEP = 3;
/** The pipeline counts as drained when no frame was delivered or dropped for this long (ms), at least. */
const MIN_QUIET_MS = 1000;
/** How many recent frames' engine times the drain looks at. */
const RECENT = 10;
const BACKGROUND_SIZES: [number, number][] = [
  [640, 360],
  [1280, 720],
  [200, 300],
  [960, 540],
  [320, 320],
];

interface Step {
  label: string;
  run(replacer: BackgroundReplacer, counts: ScenarioCounts, n: number): Promise<void>;
}

/** A setOptions() step; `mode` names it in ScenarioCounts. */
function optionsStep(mode: keyof ScenarioCounts['modes'], partial: Partial<Options>): Step {
  return {
    label: `setOptions ${JSON.stringify(partial)}`,
    async run(replacer, counts) {
      await replacer.setOptions(partial);
      counts.modes[mode]++;
      if (partial.view) counts.views[partial.view as keyof ScenarioCounts['views']]++;
    },
  };
}

/** A generated background image (gradient and discs), `n` picks its size. */
function backgroundCanvas(n: number): OffscreenCanvas {
  const [width, height] = BACKGROUND_SIZES[n % BACKGROUND_SIZES.length]!;
  const canvas = new OffscreenCanvas(width, height);
  const c = canvas.getContext('2d')!;
  const sky = c.createLinearGradient(0, 0, 0, height);
  sky.addColorStop(0, `hsl(${(n * 47) % 360} 60% 70%)`);
  sky.addColorStop(1, `hsl(${(n * 47 + 120) % 360} 50% 30%)`);
  c.fillStyle = sky;
  c.fillRect(0, 0, width, height);
  for (let i = 0; i < 12; i++) {
    c.fillStyle = `hsl(${(i * 30 + n * 13) % 360} 70% 55% / 0.6)`;
    c.beginPath();
    c.arc(((i * 97 + n * 31) % 100) * width * 0.01, ((i * 61) % 100) * height * 0.01, Math.min(width, height) * 0.12, 0, Math.PI * 2);
    c.fill();
  }
  return canvas;
}

/** Set by the capture step, awaited by the clear step. */
let capture: Promise<void> = Promise.resolve();

/** A MediaStream background video: a canvas repainted with a moving bar at 15 fps (made on first use, never stopped: the page's). */
let videoStream: MediaStream | null = null;
function backgroundStream(): MediaStream {
  if (videoStream) return videoStream;
  const canvas = document.createElement('canvas');
  canvas.width = 320;
  canvas.height = 180;
  const c = canvas.getContext('2d')!;
  let t = 0;
  setInterval(() => {
    t++;
    c.fillStyle = `hsl(${(t * 7) % 360} 50% 40%)`;
    c.fillRect(0, 0, 320, 180);
    c.fillStyle = '#ffffff';
    c.fillRect((t * 9) % 320, 0, 24, 180);
  }, 66);
  videoStream = canvas.captureStream(15);
  return videoStream;
}

/**
 * One cycle of the scenario: every mode (blur light / medium / strong, image, video, colour,
 * off), every debug view, a background image as ImageBitmap and as Blob, a background video as
 * a file (the app's built-in loop) and as a MediaStream, the background cleared, the plate
 * captured and cleared.
 */
const STEPS: Step[] = [
  optionsStep('blur-light', { mode: 'blur', blurStrength: 'light', view: 'com' }),
  {
    label: 'setBackground ImageBitmap',
    async run(replacer, counts, n) {
      await replacer.setBackground(backgroundCanvas(n).transferToImageBitmap());
      counts.backgrounds.bitmap++;
    },
  },
  optionsStep('image', { mode: 'image' }),
  {
    label: 'capturePlate',
    run(replacer, counts) {
      capture = (async () => {
        const plate = await replacer.capturePlate({ countdownSeconds: 0, frames: 3 });
        plate.close();
        counts.capturePlate++;
      })();
      return capture;
    },
  },
  optionsStep('blur-medium', { mode: 'blur', blurStrength: 'medium', view: 'pha' }),
  optionsStep('color', { mode: 'color', view: 'fgr' }),
  {
    label: 'clearPlate',
    async run(replacer, counts) {
      // The capture's own failure is reported by its step.
      await Promise.allSettled([capture]);
      await replacer.clearPlate();
      counts.clearPlate++;
    },
  },
  {
    label: 'setBackground Blob',
    async run(replacer, counts, n) {
      await replacer.setBackground(await backgroundCanvas(n).convertToBlob({ type: 'image/png' }));
      counts.backgrounds.blob++;
    },
  },
  {
    label: 'setBackground video file',
    async run(replacer, counts) {
      const response = await fetch('/backgrounds/loop.webm');
      if (!response.ok) throw new Error(`/backgrounds/loop.webm: HTTP ${response.status}`);
      await replacer.setBackground(await response.blob());
      counts.backgrounds.videoFile++;
    },
  },
  optionsStep('video', { mode: 'video', view: 'com' }),
  {
    label: 'setBackground video stream',
    async run(replacer, counts) {
      await replacer.setBackground(backgroundStream());
      counts.backgrounds.videoStream++;
    },
  },
  optionsStep('blur-strong', { mode: 'blur', blurStrength: 'strong', view: 'err' }),
  optionsStep('off', { mode: 'off', view: 'com' }),
  {
    label: 'setBackground null',
    async run(replacer, counts) {
      await replacer.setBackground(null);
      counts.backgrounds.cleared++;
    },
  },
  optionsStep('off', { mode: 'off', view: 'pha' }),
];

function zeroCounts(): ScenarioCounts {
  return {
    modes: { 'blur-light': 0, 'blur-medium': 0, 'blur-strong': 0, image: 0, video: 0, color: 0, off: 0 },
    views: { com: 0, pha: 0, fgr: 0, err: 0 },
    backgrounds: { bitmap: 0, blob: 0, videoFile: 0, videoStream: 0, cleared: 0 },
    capturePlate: 0,
    clearPlate: 0,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

let config: SoakConfig;
let replacer: BackgroundReplacer;
let clip: Clip;
const counts = zeroCounts();
const errors: string[] = [];
const pending = new Set<Promise<void>>();
let scenarioOn = false;
let stepsIssued = 0;
let nextStepAt = 0;
let lastEventAt = 0;
/** Engine times of the last RECENT processed frames (ms): the drain waits several of the longest. */
const recentFrameMs: number[] = [];
let lastProcessed = 0;
/** Resolves the wait of start() or finish() when its condition holds. */
let waiting: { until: (s: ReplacerStats) => boolean; resolve: () => void } | null = null;
/** Engine times of the processed frames of the fps window being measured, or null outside one. */
let windowMs: EngineMs[] | null = null;
let startWindow: FpsWindow;

function issueStep(): void {
  const n = stepsIssued++;
  const step = STEPS[n % STEPS.length]!;
  const run = step.run(replacer, counts, n).catch((err: unknown) => void errors.push(`${step.label}: ${message(err)}`));
  pending.add(run);
  void run.finally(() => pending.delete(run));
}

function onStats(s: ReplacerStats): void {
  lastEventAt = performance.now();
  if (s.last && s.processed > lastProcessed) {
    recentFrameMs.push(s.last.total);
    if (recentFrameMs.length > RECENT) recentFrameMs.shift();
    windowMs?.push(s.last);
  }
  lastProcessed = s.processed;
  // The scenario moves on with frames that went through the engine (or passed through in mode off):
  // frames covered while the engine is not ready would step it through modes no frame was processed in.
  const delivered = s.processed + s.passedThrough;
  if (scenarioOn && delivered >= nextStepAt) {
    issueStep();
    nextStepAt = delivered + (stepsIssued < STEPS.length ? TOUR_STEP : config.step);
  }
  if (waiting?.until(s)) {
    waiting.resolve();
    waiting = null;
  }
}

function waitFor(until: (s: ReplacerStats) => boolean): Promise<void> {
  if (until(replacer.stats)) return Promise.resolve();
  return new Promise((resolve) => (waiting = { until, resolve }));
}

interface FpsWindow {
  fps: number;
  engineMs: EngineMs;
  quality: number | null;
}

/**
 * Processed frames per second over the next `fpsWindow` processed frames, timed from the next
 * one; with the median engine time and the adaptive-quality level at the end.
 */
async function measureWindow(): Promise<FpsWindow> {
  const before = replacer.stats.processed;
  await waitFor((s) => s.processed > before);
  const from = { processed: replacer.stats.processed, at: performance.now() };
  windowMs = [];
  await waitFor((s) => s.processed >= from.processed + config.fpsWindow);
  const fps = ((replacer.stats.processed - from.processed) * 1000) / (performance.now() - from.at);
  const frames = windowMs;
  windowMs = null;
  const median = (key: keyof EngineMs): number => frames.map((f) => f[key]).sort((a, b) => a - b)[Math.floor(frames.length / 2)]!;
  const engineMs = { import: median('import'), segment: median('segment'), gpu: median('gpu'), total: median('total') };
  return { fps, engineMs, quality: replacer.stats.quality?.level ?? null };
}

/** Waits until no frame was delivered or dropped for max(MIN_QUIET_MS, 4 × the slowest recent frame). */
async function drain(): Promise<void> {
  lastEventAt = performance.now();
  const quietMs = (): number => Math.max(MIN_QUIET_MS, 4 * Math.max(0, ...recentFrameMs));
  while (performance.now() - lastEventAt < quietMs()) await sleep(100);
}

/** Stops the scenario, lets its actions finish, and returns to the baseline. */
async function toBaseline(): Promise<void> {
  scenarioOn = false;
  await Promise.allSettled([...pending]);
  await replacer.setOptions(BASELINE);
  await replacer.setBackground(null);
  await replacer.clearPlate();
}

function frameCounts(): FrameCounts {
  const { processed, passedThrough, covered, dropped } = replacer.stats;
  return { processed, passedThrough, covered, dropped };
}

window.soak = {
  async start(soakConfig) {
    config = soakConfig;
    replacer = await createBackgroundReplacer(BASELINE);
    replacer.addEventListener('error', (event) => {
      const { processed } = replacer.stats;
      const { mode, view } = replacer.options;
      errors.push(`error event after ${processed} processed frames (${mode}, ${view}): ${event.detail.code}: ${event.detail.message}`);
    });
    replacer.addEventListener('stats', (event) => onStats(event.detail));
    clip = startClip(config.width, config.height, { leak: config.injectLeak, onError: (err) => errors.push(`clip: ${message(err)}`) });
    const selfView = document.getElementById('self-view') as HTMLVideoElement;
    selfView.srcObject = replacer.process(clip.stream);
    await selfView.play();
    const info = await replacer.whenReady();
    scenarioOn = true;
    await waitFor((s) => stepsIssued >= STEPS.length && s.processed >= config.warmup);
    await toBaseline();
    clip.pause();
    await drain();
    return { ...frameCounts(), adapter: info.adapter, backend: info.backend };
  },
  async resume() {
    clip.resume();
    startWindow = await measureWindow();
    scenarioOn = true;
  },
  async finish() {
    await waitFor((s) => s.processed >= config.frames);
    await toBaseline();
    const endWindow = await measureWindow();
    clip.pause();
    await drain();
    replacer.stop();
    clip.stop();
    await drain();
    return {
      ...frameCounts(),
      fps: { start: startWindow.fps, end: endWindow.fps },
      engineMs: { start: startWindow.engineMs, end: endWindow.engineMs },
      quality: { start: startWindow.quality, end: endWindow.quality },
      scenario: counts,
      written: clip.written,
      errors,
    };
  },
  async dispose() {
    await replacer.dispose();
    (document.getElementById('self-view') as HTMLVideoElement).srcObject = null;
  },
  progress: frameCounts,
};
