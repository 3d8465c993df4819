// Browser-side cases for the onnx-webgpu base network: the preprocess pass (texture → NCHW
// tensor), the region of interest on the GPU (roi_box.wgsl vs nextRoi), and the whole engine
// pipeline in its steady state, counting GPU→CPU read-backs; and the engine timed per backend. Registered as window.segmentCases
// (test/gpu/harness.ts imports this module); driven by test/gpu/onnxBackend.spec.ts.
import { assetsAt } from '../../../src/assets';
import { createFgrResidualPass } from '../../../src/gpu/passes/fgrResidual';
import { createRoiBoxPass, RECT_BYTES } from '../../../src/gpu/passes/roiBox';
import { createTensorFromTexturePass } from '../../../src/gpu/passes/tensorFromTexture';
import { tensorBytes } from '../../../src/types/tensor';
import { createTensorToTexturePass } from '../../../src/gpu/passes/tensorToTexture';
import { tensorFromTextureReference } from '../../../src/gpu/reference/tensorFromTexture';
import { tensorToTextureReference } from '../../../src/gpu/reference/tensorToTexture';
import { ort } from '../../../src/models/ortRuntime';
import { resolveOptions, type Backend, type Options } from '../../../src/options';
import { createGpuContext } from '../../../src/gpu/device';
import { OnnxWebGpuSegmenter } from '../../../src/models/onnxWebGpu';
import { TasksVisionBackend } from '../../../src/models/tasksVisionBackend';
import { Engine } from '../../../src/worker/engine';
import { FramePipeline } from '../../../src/pipeline/framePipeline';
import { VideoFrameImporter } from '../../../src/worker/videoFrameInput';
import { nextRoi, ROI_MARGIN, ROI_MAX_AREA } from '../../../src/pipeline/roi';
import { type Rect } from '../../../src/types/geometry';
import type { BackendBench } from '../../../scripts/lib/gpuBenchProtocol';
import { compare, gpu, output, quantize8, randomImage, read, readF32, rng, storageBuffer, submit, U, upload, type Comparison } from './util';


/** The kinds of mask roiBox is tried on. */
export type RoiScenario = 'blob' | 'empty' | 'full' | 'edge' | 'speckle' | 'dot';

function roiMask(scenario: RoiScenario, w: number, h: number, rand: () => number): Float32Array {
  const mask = new Float32Array(w * h).map(() => 0.45 * rand());
  const fill = (x0: number, y0: number, x1: number, y1: number): void => {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) mask[y * w + x] = 0.51 + 0.49 * rand();
  };
  const at = (n: number): number => Math.floor(rand() * n);
  if (scenario === 'blob') {
    const x0 = at(w / 2);
    const y0 = at(h / 2);
    fill(x0, y0, x0 + 2 + at(w / 2 - 2), y0 + 2 + at(h / 2 - 2));
  } else if (scenario === 'full') {
    fill(0, 0, w, h);
  } else if (scenario === 'edge') {
    fill(w - 1 - at(4), 0, w, h);
  } else if (scenario === 'dot') {
    // One texel: the box is far smaller than the mask, so the ROI's minimum size decides.
    const x = at(w);
    const y = at(h);
    fill(x, y, x + 1, y + 1);
  } else if (scenario === 'speckle') {
    for (let k = 0; k < 3; k++) {
      const x = at(w);
      const y = at(h);
      fill(x, y, x + 1, y + 1);
    }
  }
  return mask;
}

const cases = {
  /** tensor_from_texture.wgsl vs its reference on a random rgba8 image. */
  async tensorFromTexture(seed: number, layout: 'nchw' | 'nhwc' = 'nchw'): Promise<Comparison> {
    const device = await gpu();
    const src = quantize8(randomImage(13, 7, 4, rng(seed)));
    const tensor = device.createBuffer({ size: tensorBytes(13, 7), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const pass = createTensorFromTexturePass(device, layout);
    const b = pass.bind({ src: upload(device, src, 'rgba8unorm'), tensor });
    await submit(device, (e) => pass.encode(e, b));
    const actual = await readF32(device, tensor, tensorBytes(13, 7) / 4);
    const expected = tensorFromTextureReference(src, layout);
    let maxDiff = 0;
    let sum = 0;
    actual.forEach((v, i) => {
      const d = Math.abs(v - expected[i]!);
      maxDiff = Math.max(maxDiff, d);
      sum += d;
    });
    tensor.destroy();
    return { maxDiff, meanDiff: sum / actual.length, count: actual.length };
  },

  /** tensor_to_texture.wgsl vs its reference: channel 1 of a random [1,3,h,w] tensor resized to width×height. */
  async tensorToTexture(seed: number, width: number, height: number, clamp01: boolean): Promise<Comparison> {
    const device = await gpu();
    const rand = rng(seed);
    const src = { channels: 3, width: 11, height: 7, channel: 1 };
    const data = Float32Array.from({ length: 3 * 11 * 7 }, () => 1.4 * rand() - 0.2);
    const buffer = device.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(buffer, 0, data);
    const dst = output(device, width, height, 'r32float', U.STORAGE_BINDING);
    const pass = createTensorToTexturePass(device);
    const b = pass.bind({ src: { buffer, ...src }, dst }, clamp01);
    await submit(device, (e) => pass.encode(e, b));
    const result = compare(await read(device, dst, 1), tensorToTextureReference(data, src, width, height, clamp01));
    pass.dispose();
    buffer.destroy();
    dst.destroy();
    return result;
  },

  /** fgr_residual.wgsl vs the element-wise difference, on random [1,3,5,7] tensors. */
  async fgrResidual(seed: number): Promise<Comparison> {
    const device = await gpu();
    const rand = rng(seed);
    const count = 3 * 5 * 7;
    const fgr = Float32Array.from({ length: count }, rand);
    const src = Float32Array.from({ length: count }, rand);
    const buffers = { fgr: storageBuffer(device, fgr, 'fgr'), src: storageBuffer(device, src, 'src'), residual: storageBuffer(device, new Float32Array(count), 'residual') };
    const pass = createFgrResidualPass(device);
    const b = pass.bind({ ...buffers, count });
    await submit(device, (e) => pass.encode(e, b));
    const actual = await readF32(device, buffers.residual, count);
    for (const buffer of Object.values(buffers)) buffer.destroy();
    let maxDiff = 0;
    actual.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - Math.fround(fgr[i]! - src[i]!)))));
    return { maxDiff, meanDiff: 0, count };
  },

  /** roi_box.wgsl vs nextRoi() for one mask over one previous rectangle. */
  async roiBox(seed: number, scenario: RoiScenario, wholeFrame: boolean): Promise<{ gpu: Rect; reference: Rect }> {
    const device = await gpu();
    const rand = rng(seed);
    const [w, h] = [32, 18];
    const mask = roiMask(scenario, w, h, rand);
    const prev: Rect = wholeFrame
      ? { x: 0, y: 0, width: 640, height: 360 }
      : { x: 10 + 200 * rand(), y: 5 + 100 * rand(), width: 160 + 200 * rand(), height: 90 + 100 * rand() };
    const maskBuffer = storageBuffer(device, mask, 'mask');
    const prevBuffer = storageBuffer(device, new Float32Array([prev.x, prev.y, prev.width, prev.height]), 'prev');
    const nextBuffer = storageBuffer(device, new Float32Array(4), 'next');
    const pass = createRoiBoxPass(device, w, h, ROI_MARGIN, ROI_MAX_AREA);
    const group = pass.bind({ mask: maskBuffer, prev: prevBuffer, next: nextBuffer });
    await submit(device, (e) => pass.encode(e, group));
    const [x, y, width, height] = await readF32(device, nextBuffer, RECT_BYTES / 4);
    pass.dispose();
    for (const b of [maskBuffer, prevBuffer, nextBuffer]) b.destroy();
    return { gpu: { x: x!, y: y!, width: width!, height: height! }, reference: nextRoi(mask, w, h, prev) };
  },

  /**
   * The frame loop of the pipeline with the installed onnx-webgpu network (import → network
   * with its ROI passes → matting → composite), in the page, fed synthetic frames: `warmup`
   * frames, then `frames` frames during which every GPUBuffer.mapAsync and ort
   * Tensor.getData call is counted. (The engine's output stage is left out: on SwiftShader
   * it reads the composite back by design, see FrameOutput.)
   */
  async pipelineSteadyState(
    frames: number,
    warmup: number,
    options: Partial<Options>,
  ): Promise<{ mapAsync: number; getData: number; runs: number; processed: number }> {
    const { device } = await createGpuContext();
    const network = await OnnxWebGpuSegmenter.create(device, assetsAt('/', location.href));
    const pipeline = new FramePipeline(device, network, resolveOptions(options));
    const importer = new VideoFrameImporter(device);
    const counts = { mapAsync: 0, getData: 0 };
    const mapAsync = GPUBuffer.prototype.mapAsync;
    const getData = ort.Tensor.prototype.getData;
    const [W, H] = [160, 90];
    const pixels = new Uint8Array(W * H * 4);
    let processed = 0;
    let runsBefore = 0;
    try {
      for (let i = 0; i < warmup + frames; i++) {
        if (i === warmup) {
          runsBefore = network.runs;
          GPUBuffer.prototype.mapAsync = function (this: GPUBuffer, ...args: Parameters<GPUBuffer['mapAsync']>) {
            counts.mapAsync++;
            return mapAsync.apply(this, args);
          };
          ort.Tensor.prototype.getData = function (this: ort.Tensor, ...args: Parameters<ort.Tensor['getData']>) {
            counts.getData++;
            return getData.apply(this, args);
          };
        }
        // A bright disc (the "person") moving over a striped background.
        const cx = W / 2 + 20 * Math.sin(i / 5);
        for (let y = 0; y < H; y++) {
          for (let x = 0; x < W; x++) {
            const inside = (x - cx) ** 2 + (y - H / 2) ** 2 < 30 ** 2;
            const k = (y * W + x) * 4;
            pixels[k] = inside ? 220 : (x >> 3) % 2 ? 40 : 90;
            pixels[k + 1] = inside ? 170 : 80;
            pixels[k + 2] = inside ? 140 : 60;
            pixels[k + 3] = 255;
          }
        }
        const frame = new VideoFrame(pixels, { format: 'RGBA', codedWidth: W, codedHeight: H, timestamp: i * 33_333 });
        try {
          await pipeline.process(importer.input(frame));
        } finally {
          frame.close();
        }
        if (i >= warmup) processed++;
      }
    } finally {
      GPUBuffer.prototype.mapAsync = mapAsync;
      ort.Tensor.prototype.getData = getData;
      pipeline.dispose();
      importer.dispose();
      await network.close();
      device.destroy();
    }
    return { ...counts, runs: network.runs - runsBefore, processed };
  },

  /**
   * GPU device loss in the middle of a stream: the engine's device is destroyed after
   * `before` frames; the following frames may fail (the engine rejects with
   * 'gpu-device-lost' or a GPU error while it notices), then it rebuilds device, network
   * and pipeline and frames flow again.
   * @param imageUrl the frame (a person), resized to 160×96
   * @returns per frame after the loss: 'ok' or the error's code/message; the backend; the mean
   *   alpha before the loss and the largest alpha difference of the last frame from it
   */
  async engineDeviceLoss(backend: Backend, before: number, after: number, imageUrl: string): Promise<{ outcomes: string[]; backend: string; alphaMean: number; maxDiffAfter: number }> {
    const engine = new Engine();
    const response = await fetch(imageUrl);
    if (!response.ok) throw new Error(`${imageUrl}: HTTP ${response.status}`);
    const image = await createImageBitmap(await response.blob(), { resizeWidth: 160, resizeHeight: 96, resizeQuality: 'high' });
    const outcomes: string[] = [];
    let reference: Uint8Array | null = null;
    let last: Uint8Array | null = null;
    try {
      const info = await engine.init(resolveOptions({ mode: 'color', backend, temporalSmoothing: 0, targetFps: 0 }), assetsAt('/', location.href));
      const run = async (i: number): Promise<Uint8Array> => {
        const r = await engine.process(new VideoFrame(image, { timestamp: i }), ['pha']);
        r.frame.close();
        return r.readbacks!.pha!.data;
      };
      for (let i = 0; i < before; i++) reference = await run(i);
      (engine as unknown as { gpu: { device: GPUDevice } }).gpu.device.destroy();
      await new Promise((r) => setTimeout(r, 50));
      for (let i = 0; i < after; i++) {
        try {
          last = await run(before + i);
          outcomes.push('ok');
        } catch (err) {
          outcomes.push(`${(err as { code?: string }).code ?? (err as Error).name}: ${(err as Error).message}`);
        }
      }
      const alphaMean = reference ? reference.reduce((a, b) => a + b, 0) / reference.length / 255 : Number.NaN;
      let maxDiffAfter = Number.POSITIVE_INFINITY;
      if (reference && last) maxDiffAfter = last.reduce((m, v, k) => Math.max(m, Math.abs(v - reference![k]!) / 255), 0);
      return { outcomes, backend: info.backend, alphaMean, maxDiffAfter };
    } finally {
      image.close();
      await engine.dispose();
    }
  },

  /**
   * Adaptive quality in the engine: `frames` frames of one image (resized to 480×270, large
   * enough for the region-of-interest passes to zoom: an ROI is at least the network's 256×144) at
   * `targetFps`, each with a `pha` read-back (which also reports the refined tiles).
   * @returns per frame: the quality level it was processed at, the refined tiles, the base
   *   network calls it made (tasks-vision segment() calls, counted on the prototype) and its
   *   mean alpha
   */
  async engineAdaptive(targetFps: number, frames: number, imageUrl: string): Promise<{ level: number; levels: number; tiles: number; calls: number; alphaMean: number }[]> {
    const response = await fetch(imageUrl);
    if (!response.ok) throw new Error(`${imageUrl}: HTTP ${response.status}`);
    const image = await createImageBitmap(await response.blob(), { resizeWidth: 480, resizeHeight: 270, resizeQuality: 'high' });
    const engine = new Engine();
    const segment = TasksVisionBackend.prototype.segment;
    let calls = 0;
    TasksVisionBackend.prototype.segment = function (this: TasksVisionBackend, ...args: Parameters<TasksVisionBackend['segment']>) {
      calls++;
      return segment.apply(this, args);
    };
    const out: { level: number; levels: number; tiles: number; calls: number; alphaMean: number }[] = [];
    try {
      await engine.init(resolveOptions({ mode: 'color', backend: 'tasks-vision', temporalSmoothing: 0, targetFps, renderer: 'webgpu' }), assetsAt('/', location.href));
      for (let i = 0; i < frames; i++) {
        calls = 0;
        const r = await engine.process(new VideoFrame(image, { timestamp: i * 33_333 }), ['pha']);
        r.frame.close();
        const pha = r.readbacks!.pha!.data;
        out.push({
          level: r.quality!.level,
          levels: r.quality!.levels,
          tiles: r.refine?.tiles ?? -1,
          calls,
          alphaMean: pha.reduce((a, b) => a + b, 0) / pha.length / 255,
        });
      }
      return out;
    } finally {
      TasksVisionBackend.prototype.segment = segment;
      image.close();
      await engine.dispose();
    }
  },

  /**
   * Per-stage GPU times (options.stageTimings): `frames` frames of one image resized to
   * 320×180 through the engine with `options`.
   * @returns each frame's stats (import, segment, gpu, total, stages) and whether the adapter
   *   has 'timestamp-query'
   */
  async engineStages(options: Partial<Options>, frames: number, imageUrl: string): Promise<{ timestamps: boolean; stats: import('../../../src/types/frame').FrameStats[] }> {
    const response = await fetch(imageUrl);
    if (!response.ok) throw new Error(`${imageUrl}: HTTP ${response.status}`);
    const image = await createImageBitmap(await response.blob(), { resizeWidth: 320, resizeHeight: 180, resizeQuality: 'high' });
    const engine = new Engine();
    const { timestamps } = await createGpuContext().then((g) => {
      g.device.destroy();
      return g;
    });
    const stats: import('../../../src/types/frame').FrameStats[] = [];
    try {
      await engine.init(resolveOptions({ backend: 'tasks-vision', targetFps: 0, ...options }), assetsAt('/', location.href));
      for (let i = 0; i < frames; i++) {
        const r = await engine.process(new VideoFrame(image, { timestamp: i * 33_333 }));
        r.frame.close();
        stats.push(r.stats);
      }
      return { timestamps, stats };
    } finally {
      image.close();
      await engine.dispose();
    }
  },

  /**
   * setBackground / setPlate while a frame is in flight (the engine's worker serves them
   * between the frame's awaits): `rounds` times, process() is started and the background and
   * plate replaced before it finishes, on the tasks-vision network (whose segmentation awaits
   * another worker). Counts WebGPU validation errors (e.g. a destroyed texture used in a submit).
   */
  async backgroundRace(rounds: number): Promise<{ errors: string[]; processed: number }> {
    const { device } = await createGpuContext();
    const errors: string[] = [];
    device.addEventListener('uncapturederror', (e) => errors.push((e as GPUUncapturedErrorEvent).error.message));
    const network = await TasksVisionBackend.create(assetsAt('/', location.href));
    const pipeline = new FramePipeline(device, network, resolveOptions({ mode: 'image', targetFps: 0 }));
    const importer = new VideoFrameImporter(device);
    const canvas = new OffscreenCanvas(160, 90);
    const ctx = canvas.getContext('2d')!;
    const image = async (colour: string): Promise<ImageBitmap> => {
      ctx.fillStyle = colour;
      ctx.fillRect(0, 0, 160, 90);
      return createImageBitmap(canvas);
    };
    let processed = 0;
    try {
      for (let i = 0; i < rounds; i++) {
        const frame = new VideoFrame(await image(i % 2 ? '#446688' : '#886644'), { timestamp: i });
        try {
          const running = pipeline.process(importer.input(frame));
          pipeline.setBackground(await image('#ff0000'));
          pipeline.setPlate(await image('#00ff00'));
          await running;
          processed++;
        } finally {
          frame.close();
        }
      }
      await device.queue.onSubmittedWorkDone();
      return { errors, processed };
    } finally {
      pipeline.dispose();
      importer.dispose();
      network.close();
      device.destroy();
    }
  },

  /**
   * Times the whole engine (import → network → matting → composite → output VideoFrame) on
   * one image resized to width×height, `warmup` frames untimed, then `frames` frames.
   * @param rgba base64 RGBA pixels of the source image, srcWidth×srcHeight
   * @throws Error when the engine runs another backend than the one asked for
   */
  async benchBackend(o: {
    rgba: string;
    srcWidth: number;
    srcHeight: number;
    width: number;
    height: number;
    backend: Backend;
    frames: number;
    warmup: number;
  }): Promise<BackendBench> {
    const bytes = Uint8ClampedArray.from(atob(o.rgba), (c) => c.charCodeAt(0));
    const source = await createImageBitmap(new ImageData(bytes, o.srcWidth, o.srcHeight));
    const image = await createImageBitmap(source, { resizeWidth: o.width, resizeHeight: o.height, resizeQuality: 'high' });
    source.close();
    const engine = new Engine();
    const result: BackendBench = { backend: o.backend, adapter: '', width: o.width, height: o.height, outputPath: '', frames: [] };
    try {
      const info = await engine.init(resolveOptions({ mode: 'blur', backend: o.backend, targetFps: 0 }), assetsAt('/', location.href));
      if (info.backend !== o.backend) throw new Error(`asked for ${o.backend}, got ${info.backend}: ${info.backendFallback ?? ''}`);
      result.adapter = info.adapter;
      for (let i = 0; i < o.warmup + o.frames; i++) {
        const r = await engine.process(new VideoFrame(image, { timestamp: i * 33_333 }));
        r.frame.close();
        result.outputPath = r.outputPath;
        if (i >= o.warmup) result.frames.push(r.stats);
      }
    } finally {
      image.close();
      await engine.dispose();
    }
    return result;
  },
};

declare global {
  interface Window {
    segmentCases: typeof cases;
  }
}
window.segmentCases = cases;
