// The bench page (test/bench/bench.html): sets up one system per page — this project's engine
// (the same worker as the app), Twilio's processors (@twilio/video-processors' browser build,
// served from this origin) or MediaPipe's segmenter alone — loads frames into memory and runs
// them through it in order, timing each call on the main thread. Driven by scripts/bench.ts
// through `window.bench` (the protocol: scripts/lib/bench/protocol.ts); outputs for the quality
// columns are posted back.
import { assetsAt } from '../../src/assets';
import * as Comlink from 'comlink';
import type * as TwilioVideoProcessors from '@twilio/video-processors';
import { TasksVisionBackend } from '../../src/models/tasksVisionBackend';
import { resolveOptions } from '../../src/options';
import { y4mColorSpace } from '../../src/sources/y4m';
import { installErrorTransfer } from '../../src/errorTransfer';
import type { EngineApi, ProcessResult } from '../../src/worker/protocol';
import { BENCH_ROUTES, type BenchPage, type Capture, type FrameRecord, type RunSpec, type SetupInfo, type SetupSpec } from '../../scripts/lib/bench/protocol';

type Twilio = typeof TwilioVideoProcessors;

/** A frame held in memory: I420 bytes as a camera delivers them (clips), or a decoded image (stills, as npm run eval feeds them). */
type LoadedFrame =
  | { kind: 'i420'; data: Uint8Array<ArrayBuffer>; width: number; height: number; range: 'limited' | 'full' }
  | { kind: 'image'; bitmap: ImageBitmap; width: number; height: number };

/** One system under test, set up for the page's lifetime. */
interface System {
  info: SetupInfo;
  /**
   * Runs one frame through the system and times the call (making the VideoFrame is not timed;
   * posting what `capture` asks for, through `post`, happens after the timing).
   * @param refineStats ours: ask for a read-back so that the engine reports its refine accounting
   * @returns the frame's record
   */
  step(frame: LoadedFrame, index: number, capture: Capture | null, post: Poster, refineStats: boolean): Promise<FrameRecord>;
  /** Checks the last output after a run (Twilio: an opaque frame was drawn); throws when it is not what it should be. */
  verify?(): void;
  /** Sets the background plate (ours only). */
  setPlate?(image: ImageBitmap): Promise<void>;
  dispose(): Promise<void>;
}

type Poster = (index: number, what: string, data: Uint8Array<ArrayBuffer>, headers: Record<string, string>) => Promise<void>;

const status = document.getElementById('status')!;
const loaded = new Map<string, LoadedFrame>();
const FRAME_US = 33_333;

async function fetchOk(url: string, init?: RequestInit): Promise<Response> {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: HTTP ${response.status} ${await response.text()}`);
  return response;
}

function videoFrame(f: LoadedFrame, index: number): VideoFrame {
  if (f.kind === 'image') return new VideoFrame(f.bitmap, { timestamp: index * FRAME_US, duration: FRAME_US });
  return new VideoFrame(f.data, {
    format: 'I420',
    codedWidth: f.width,
    codedHeight: f.height,
    timestamp: index * FRAME_US,
    duration: FRAME_US,
    colorSpace: y4mColorSpace({ range: f.range }),
  });
}

async function fetchBitmap(name: string): Promise<ImageBitmap> {
  return createImageBitmap(await (await fetchOk(BENCH_ROUTES.image(name))).blob());
}

async function fetchImageElement(name: string): Promise<HTMLImageElement> {
  const image = new Image();
  image.src = BENCH_ROUTES.image(name);
  await image.decode();
  return image;
}

async function adapterInfo(): Promise<{ adapter: string; timestampQuery: boolean | null }> {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) return { adapter: '', timestampQuery: null };
  const i = adapter.info;
  return { adapter: `${i.vendor} ${i.architecture} ${i.description}`.trim(), timestampQuery: adapter.features.has('timestamp-query') };
}

/** This project's engine in its worker, driven as the app and replay drive it. */
async function setupOurs(spec: SetupSpec): Promise<System> {
  installErrorTransfer();
  const options = resolveOptions({ targetFps: 0, ...spec.options });
  const worker = new Worker(new URL('../../src/worker/engine.worker.ts', import.meta.url), { type: 'module' });
  const engine = Comlink.wrap<EngineApi>(worker);
  // The command installs its WebGPU memory probe in the worker before the engine creates its device.
  if (spec.waitForProbe) await probeInstalled;
  const engineInfo = await engine.init(options, assetsAt('/', location.href));
  if (options.backend !== 'auto' && engineInfo.backend !== options.backend) {
    throw new Error(`backend ${options.backend} was asked for but ${engineInfo.backend} runs: ${engineInfo.backendFallback ?? 'no reason given'}`);
  }
  // A row that names a rendering path measures it, never a silent fallback (`auto` is the engine's choice).
  if (options.renderer !== 'auto' && engineInfo.renderer !== options.renderer) {
    throw new Error(`the engine runs on ${engineInfo.renderer}, not ${options.renderer}: ${engineInfo.notice ?? ''}`);
  }
  if (spec.background) {
    const image = await fetchBitmap(spec.background);
    await engine.setBackground(Comlink.transfer(image, [image]));
  }
  const { timestampQuery } = await adapterInfo();
  const info: SetupInfo = { adapter: engineInfo.adapter, backend: engineInfo.backend, twilioSimd: null, timestampQuery };
  return {
    info,
    async step(f, index, capture, post, refineStats) {
      const frame = videoFrame(f, index);
      const t0 = performance.now();
      const result: ProcessResult = await engine.process(Comlink.transfer(frame, [frame]), capture === 'pha' || refineStats ? ['pha'] : []);
      result.frame.close();
      const ms = performance.now() - t0;
      if (capture === 'pha') {
        const rb = result.readbacks?.pha;
        if (!rb) throw new Error(`frame ${index}: no pha read-back`);
        await post(index, 'pha', new Uint8Array(rb.data), { 'x-width': String(rb.width), 'x-height': String(rb.height) });
      }
      return {
        index,
        ms,
        stats: result.stats,
        refine: result.refine ?? null,
        importPath: result.importPath,
        outputPath: result.outputPath,
        ...(result.quality ? { quality: result.quality } : {}),
      };
    },
    async setPlate(image) {
      await engine.setPlate(Comlink.transfer(image, [image]));
    },
    async dispose() {
      await engine.dispose();
      worker.terminate();
    },
  };
}

/** Loads Twilio's browser build (a classic script: it sets `Twilio.VideoProcessors`). */
async function loadTwilio(): Promise<Twilio> {
  const w = window as unknown as { Twilio?: { VideoProcessors?: Twilio } };
  if (!w.Twilio?.VideoProcessors) {
    await new Promise<void>((done, reject) => {
      const script = document.createElement('script');
      script.src = `${BENCH_ROUTES.twilioAssets}twilio-video-processors.js`;
      script.onload = () => done();
      script.onerror = () => reject(new Error(`cannot load ${script.src}`));
      document.head.append(script);
    });
  }
  const vp = w.Twilio?.VideoProcessors;
  if (!vp) throw new Error('twilio-video-processors.js did not define Twilio.VideoProcessors');
  if (!vp.isSupported) throw new Error('Twilio video processors: isSupported is false in this browser');
  return vp;
}

/** A 2D canvas of the frame's size that a processor draws into. */
function outputCanvas(width: number, height: number, context: '2d' | 'bitmaprenderer'): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  // Twilio's processFrame takes getContext('2d') || getContext('bitmaprenderer'): a canvas that
  // already has a bitmaprenderer context gets the frame handed over without a copy.
  if (!canvas.getContext(context, context === '2d' ? { willReadFrequently: true } : undefined)) throw new Error(`no ${context} context`);
  return canvas;
}

/**
 * Twilio's processors at their defaults (web worker, hysteresis, mask blur radius 8, blur
 * radius 15, image fit Fill): `twilio-blur` (GaussianBlurBackgroundProcessor), `twilio-image`
 * (VirtualBackgroundProcessor), or `twilio-alpha`: two VirtualBackgroundProcessors, over a black
 * and a white image, whose composites give Twilio's alpha.
 */
async function setupTwilio(spec: SetupSpec): Promise<System> {
  const vp = await loadTwilio();
  const assetsPath = BENCH_ROUTES.twilioAssets;
  let processors: { name: string; p: TwilioVideoProcessors.GaussianBlurBackgroundProcessor | TwilioVideoProcessors.VirtualBackgroundProcessor }[];
  if (spec.kind === 'twilio-blur') {
    processors = [{ name: 'com', p: new vp.GaussianBlurBackgroundProcessor({ assetsPath }) }];
  } else if (spec.kind === 'twilio-image') {
    if (!spec.background) throw new Error('twilio-image needs a background image');
    processors = [{ name: 'com', p: new vp.VirtualBackgroundProcessor({ assetsPath, backgroundImage: await fetchImageElement(spec.background) }) }];
  } else {
    processors = [
      { name: 'black', p: new vp.VirtualBackgroundProcessor({ assetsPath, backgroundImage: await solidImage(0) }) },
      { name: 'white', p: new vp.VirtualBackgroundProcessor({ assetsPath, backgroundImage: await solidImage(255) }) },
    ];
  }
  for (const { p } of processors) await p.loadModel();
  const canvases = new Map<string, HTMLCanvasElement>();
  const capturing = spec.kind === 'twilio-alpha';
  const canvasFor = (name: string, width: number, height: number): HTMLCanvasElement => {
    let c = canvases.get(name);
    if (!c || c.width !== width || c.height !== height) {
      c = outputCanvas(width, height, capturing ? '2d' : 'bitmaprenderer');
      canvases.set(name, c);
    }
    return c;
  };
  const { adapter } = await adapterInfo();
  // Twilio keeps whether its SIMD build loaded private; it decides the speed of its inference, so the bench reports it.
  const simd = (processors[0]!.p as unknown as { _isSimdEnabled: boolean | null })._isSimdEnabled;
  return {
    info: { adapter, backend: `twilio ${vp.version} (TFLite wasm${simd ? ' SIMD' : ''} in a worker, WebGL2)`, twilioSimd: simd, timestampQuery: null },
    async step(f, index, capture, post) {
      const inputs = processors.map(() => videoFrame(f, index));
      const targets = processors.map(({ name }) => canvasFor(name, f.width, f.height));
      const t0 = performance.now();
      for (let i = 0; i < processors.length; i++) await processors[i]!.p.processFrame(inputs[i]!, targets[i]!);
      const ms = performance.now() - t0;
      for (const frame of inputs) frame.close();
      if (capture === 'composites') {
        const size = { 'x-width': String(f.width), 'x-height': String(f.height) };
        for (let i = 0; i < processors.length; i++) {
          const ctx = targets[i]!.getContext('2d')!;
          await post(index, processors[i]!.name, new Uint8Array(ctx.getImageData(0, 0, f.width, f.height).data.buffer), size);
        }
        await post(index, 'input', await frameRgba(f, index), size);
      }
      return { index, ms };
    },
    verify() {
      // processFrame draws nothing when its pipeline has no model or no frame: the last output must
      // be a frame. Not every pixel is opaque: the blur processor's canvas blur fades to
      // transparent along the frame's border.
      for (const [name, canvas] of canvases) {
        const copy = new OffscreenCanvas(canvas.width, canvas.height).getContext('2d', { willReadFrequently: true })!;
        copy.drawImage(canvas, 0, 0);
        const rgba = copy.getImageData(0, 0, canvas.width, canvas.height).data;
        let opaque = 0;
        for (let i = 3; i < rgba.length; i += 4) if (rgba[i] === 255) opaque++;
        if (opaque < rgba.length / 8) throw new Error(`Twilio's ${name} output is not a frame: ${opaque} of ${rgba.length / 4} pixels are opaque`);
      }
    },
    async dispose() {
      // Twilio's processors have no dispose; the page is closed after the job, ending their workers.
    },
  };
}

/** An opaque 64×64 image of one grey level, as an HTMLImageElement (Twilio's background type). */
async function solidImage(level: number): Promise<HTMLImageElement> {
  const canvas = new OffscreenCanvas(64, 64);
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = `rgb(${level},${level},${level})`;
  ctx.fillRect(0, 0, 64, 64);
  const image = new Image();
  image.src = URL.createObjectURL(await canvas.convertToBlob({ type: 'image/png' }));
  await image.decode();
  return image;
}

/** The frame as RGBA, converted by the browser as a 2D canvas draws it. */
async function frameRgba(f: LoadedFrame, index: number): Promise<Uint8Array<ArrayBuffer>> {
  const frame = videoFrame(f, index);
  const canvas = new OffscreenCanvas(f.width, f.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(frame, 0, 0);
  frame.close();
  return new Uint8Array(ctx.getImageData(0, 0, f.width, f.height).data.buffer);
}

/**
 * MediaPipe's landscape selfie segmenter alone (tasks-vision, wasm, CPU delegate), through the
 * engine's own proxy to its segmenter worker: per frame, the frame resized to the model's input
 * (createImageBitmap, high quality, as the engine does) and one segmentation.
 */
async function setupTasksVision(): Promise<System> {
  const backend = await TasksVisionBackend.create(assetsAt('/', location.href));
  const { adapter } = await adapterInfo();
  return {
    info: { adapter, backend: `tasks-vision (wasm, CPU delegate, ${backend.width}×${backend.height}, in a worker)`, twilioSimd: null, timestampQuery: null },
    async step(f, index, capture, post) {
      const frame = videoFrame(f, index);
      const t0 = performance.now();
      const bitmap = await createImageBitmap(frame, { resizeWidth: backend.width, resizeHeight: backend.height, resizeQuality: 'high' });
      const mask = await backend.segment(bitmap);
      const ms = performance.now() - t0;
      frame.close();
      if (capture === 'mask') {
        await post(index, 'mask', new Uint8Array(mask.pha.buffer as ArrayBuffer, mask.pha.byteOffset, mask.pha.byteLength), {
          'x-width': String(mask.width),
          'x-height': String(mask.height),
        });
      }
      return { index, ms };
    },
    async dispose() {
      backend.close();
    },
  };
}

let system: System | null = null;
let markProbeInstalled: () => void = () => {};
const probeInstalled = new Promise<void>((done) => (markProbeInstalled = done));

const bench: BenchPage = {
  async setup(spec: SetupSpec): Promise<SetupInfo> {
    if (system) throw new Error('the page already has a system');
    status.textContent = `bench: setting up ${spec.kind}`;
    system = spec.kind === 'ours' ? await setupOurs(spec) : spec.kind === 'tasks-vision' ? await setupTasksVision() : await setupTwilio(spec);
    status.textContent = `bench: ${spec.kind} ready`;
    return system.info;
  },

  probeInstalled(): void {
    markProbeInstalled();
  },

  async load(sequence: string, indices: number[]): Promise<void> {
    for (const index of indices) {
      const key = `${sequence}/${index}`;
      if (loaded.has(key)) continue;
      const response = await fetchOk(BENCH_ROUTES.frame(sequence, index));
      if (response.headers.get('x-kind') === 'image') {
        const bitmap = await createImageBitmap(await response.blob());
        loaded.set(key, { kind: 'image', bitmap, width: bitmap.width, height: bitmap.height });
        continue;
      }
      loaded.set(key, {
        kind: 'i420',
        data: new Uint8Array(await response.arrayBuffer()),
        width: Number(response.headers.get('x-width')),
        height: Number(response.headers.get('x-height')),
        range: response.headers.get('x-range') === 'full' ? 'full' : 'limited',
      });
    }
  },

  unload(): void {
    for (const f of loaded.values()) if (f.kind === 'image') f.bitmap.close();
    loaded.clear();
  },

  async run(spec: RunSpec): Promise<FrameRecord[]> {
    const s = system;
    if (!s) throw new Error('no system set up');
    const post: Poster = async (index, what, data, headers) => {
      await fetchOk(BENCH_ROUTES.output(spec.sequence, index, what), { method: 'POST', headers, body: data });
    };
    const records: FrameRecord[] = [];
    let plate: string | null = null;
    for (const [n, index] of spec.indices.entries()) {
      const f = loaded.get(`${spec.sequence}/${index}`);
      if (!f) throw new Error(`frame ${spec.sequence}/${index} is not loaded`);
      const wanted = spec.plates?.[index];
      if (wanted !== undefined && wanted !== plate) {
        if (!s.setPlate) throw new Error('this system takes no plate');
        await s.setPlate(await fetchBitmap(wanted));
        plate = wanted;
      }
      records.push(await s.step(f, index, spec.capture ?? null, post, spec.refineStats ?? false));
      status.textContent = `bench: ${spec.sequence} ${n + 1}/${spec.indices.length}`;
    }
    if (spec.verify) s.verify?.();
    return records;
  },

  async dispose(): Promise<void> {
    const s = system;
    system = null;
    await s?.dispose();
  },
};

window.bench = bench;
