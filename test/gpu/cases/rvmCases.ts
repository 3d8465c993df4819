// The RVM path of the frame pipeline (matting 'rvm'): Robust Video Matting on the pipeline's
// device as the prior of the classic matting stages, loaded the way the engine loads it (the
// installed files the spec serves), against a reference made of the passes' TS references and
// TensorFlow.js's CPU backend running the original graph on the same frames. Registered as
// window.rvmCases (test/gpu/harness.ts imports this module); driven by test/gpu/rvmPipeline.spec.ts.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { assetsAt } from '../../../src/assets';
import { createGpuContext } from '../../../src/gpu/device';
import { downsampleReference } from '../../../src/gpu/reference/downsample';
import { createImage } from '../../../src/gpu/reference/image';
import { tensorFromTextureReference } from '../../../src/gpu/reference/tensorFromTexture';
import { tensorToTextureReference } from '../../../src/gpu/reference/tensorToTexture';
import { loadInstalledRvm } from '../../../src/models/rvm/installed';
import { RvmNetwork } from '../../../src/models/rvm/runtime';
import { resolveOptions } from '../../../src/options';
import { FramePipeline } from '../../../src/pipeline/framePipeline';
import { rvmInputSize } from '../../../src/pipeline/stages/rvmPrior';
import { type CpuBaseNetwork } from '../../../src/types/network';
import { Engine } from '../../../src/worker/engine';
import { VideoFrameImporter } from '../../../src/worker/videoFrameInput';
import { quantize8 } from './util';

/** A base network that must not be called: the RVM path does not segment. */
const unusedSegmenter: CpuBaseNetwork = {
  kind: 'cpu',
  width: 64,
  height: 64,
  segment: () => Promise.reject(new Error('the segmentation network ran on the RVM path')),
  close: () => {},
};

const TILE = 8;

const cases = {
  /**
   * Frames (RGBA 8-bit, W×H) through a pipeline on matting 'rvm' with the installed RVM, no
   * temporal smoothing and no background memory.
   * @returns which matting each frame took, and per RVM frame the largest and mean difference
   *   of the pipeline's alpha (8-bit pha read-back) from the reference over the pixels of tiles
   *   the refiner did not select (there alpha is the prior), with how many were compared
   */
  async rvmPipeline(frames: number[][], W: number, H: number) {
    const { device } = await createGpuContext();
    const installed = await loadInstalledRvm(assetsAt('/', location.href));
    const network = await RvmNetwork.create(device, installed.graph, installed.weights);
    const options = resolveOptions({ mode: 'color', matting: 'rvm', temporalSmoothing: 0, backgroundMemory: false });
    const pipeline = new FramePipeline(device, unusedSegmenter, options);
    const importer = new VideoFrameImporter(device);
    const mattings: string[] = [];
    const got: { pha: Uint8ClampedArray | Uint8Array; tiles: number[] }[] = [];
    try {
      pipeline.setRvm(network);
      for (const [i, px] of frames.entries()) {
        const frame = new VideoFrame(new Uint8ClampedArray(px).buffer, { format: 'RGBA', codedWidth: W, codedHeight: H, timestamp: i });
        try {
          const result = await pipeline.process(importer.input(frame), ['pha']);
          mattings.push(result.matting);
          got.push({ pha: result.readbacks.pha!.data, tiles: await pipeline.debugSelectedTiles() });
        } finally {
          frame.close();
        }
      }
    } finally {
      pipeline.dispose();
      importer.dispose();
      network.destroy();
      device.destroy();
    }

    // The reference: area-downsampled (rgba8unorm), NHWC, the graph on the CPU with its
    // recurrent state, pha upsampled bilinearly and clamped.
    await tf.setBackend('cpu');
    const g = installed.graph as { modelTopology: object; format: string; signature: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
    const model = await loadGraphModel(tf.io.fromMemory({ modelTopology: g.modelTopology, format: g.format, signature: g.signature, weightSpecs: g.weightsManifest.flatMap((m) => m.weights), weightData: installed.weights }));
    const size = rvmInputSize(W, H);
    let state: tf.Tensor[] = [0, 1, 2, 3].map(() => tf.scalar(0));
    const ratio = tf.scalar(1);
    const diffs: { max: number; mean: number; compared: number }[] = [];
    for (const [i, px] of frames.entries()) {
      const image = createImage(W, H, 4);
      px.forEach((v, k) => (image.data[k] = v / 255));
      const low = quantize8(downsampleReference(image, size.width, size.height));
      const src = tf.tensor4d(tensorFromTextureReference(low, 'nhwc'), [1, size.height, size.width, 3]);
      const [fgr, pha, ...next] = (await model.executeAsync({ src, r1i: state[0]!, r2i: state[1]!, r3i: state[2]!, r4i: state[3]!, downsample_ratio: ratio }, ['fgr', 'pha', 'r1o', 'r2o', 'r3o', 'r4o'])) as tf.Tensor[];
      const prior = tensorToTextureReference((await pha!.data()) as Float32Array, { channels: 1, width: size.width, height: size.height, channel: 0 }, W, H, true);
      tf.dispose([src, fgr!, pha!, ...state]);
      state = next;
      const refined = new Uint8Array(W * H);
      for (const packed of got[i]!.tiles) {
        const [tx, ty] = [(packed & 0xffff) * TILE, (packed >>> 16) * TILE];
        for (let y = ty; y < Math.min(ty + TILE, H); y++) for (let x = tx; x < Math.min(tx + TILE, W); x++) refined[y * W + x] = 1;
      }
      let max = 0;
      let sum = 0;
      let compared = 0;
      for (let p = 0; p < W * H; p++) {
        if (refined[p]) continue;
        const d = Math.abs(got[i]!.pha[p]! / 255 - prior.data[p]!);
        max = Math.max(max, d);
        sum += d;
        compared++;
      }
      diffs.push({ max, mean: sum / Math.max(compared, 1), compared });
    }
    tf.dispose([...state, ratio]);
    model.dispose();
    return { mattings, diffs, licence: installed.licence };
  },

  /**
   * The engine with matting 'rvm' and the RVM the spec serves as installed: which matting each
   * frame took — on 'rvm', after switching to 'classic', and back on 'rvm' (a fresh network).
   */
  async engineRvm(frames: number[][], W: number, H: number): Promise<string[]> {
    const engine = new Engine();
    const mattings: string[] = [];
    const run = async (i: number): Promise<void> => {
      const frame = new VideoFrame(new Uint8ClampedArray(frames[i % frames.length]!).buffer, { format: 'RGBA', codedWidth: W, codedHeight: H, timestamp: i });
      try {
        const r = await engine.process(frame, ['pha']);
        r.frame.close();
        mattings.push(r.matting);
      } finally {
        frame.close();
      }
    };
    const options = { mode: 'color', renderer: 'webgpu', temporalSmoothing: 0, targetFps: 0 } as const;
    try {
      await engine.init(resolveOptions({ ...options, matting: 'rvm' }), assetsAt('/', location.href));
      await run(0);
      await run(1);
      await engine.setOptions(resolveOptions({ ...options, matting: 'classic' }));
      await run(2);
      await engine.setOptions(resolveOptions({ ...options, matting: 'rvm' }));
      await run(3);
    } finally {
      await engine.dispose();
    }
    return mattings;
  },

  /** The engine's start-up error with matting 'rvm' and no RVM installed. */
  async engineRvmMissing(): Promise<string> {
    const engine = new Engine();
    try {
      await engine.init(resolveOptions({ matting: 'rvm', renderer: 'webgpu' }), assetsAt('/', location.href));
      return 'no error';
    } catch (err) {
      return `${(err as { code?: string }).code}: ${(err as Error).message}`;
    } finally {
      await engine.dispose();
    }
  },
};

declare global {
  interface Window {
    rvmCases: typeof cases;
  }
}
window.rvmCases = cases;
