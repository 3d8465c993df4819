// The converted ONNX selfie segmenter (public/models/selfie_segmentation_landscape.onnx, run by
// onnxruntime-web's WebGPU execution provider, as the onnx-webgpu backend runs it) against tasks-vision running the
// TFLite original (in its worker, as the app runs it), on the same 256×144 ImageBitmap.
// Driven by test/gpu/onnxSegmenter.spec.ts.
import { assetsAt } from '../../src/assets';
import { iou } from '../../src/eval/metrics';
import { loadVerifiedModel } from '../../src/models/manifest';
import { configureOrt, ort } from '../../src/models/ortRuntime';
import { TasksVisionBackend } from '../../src/models/tasksVisionBackend';

/** Masks of one still compared. */
export interface MaskComparison {
  width: number;
  height: number;
  /** Mean |tasks-vision − onnx| over the mask, confidence units (0..1). */
  mad: number;
  /** Largest |tasks-vision − onnx|. */
  maxDiff: number;
  /** IoU of (tasks-vision > 0.5) and (onnx > 0.5). */
  iouMasks: number;
  /** IoU against the ground-truth alpha (> 0.5) at 256×144, or null without one. */
  iouTasksVisionGt: number | null;
  iouOnnxGt: number | null;
  /** Milliseconds for one run of each. */
  msTasksVision: number;
  msOnnx: number;
}

declare global {
  interface Window {
    segmenterHarness: {
      /**
       * Segments one image with both backends.
       * @param imageUrl any image; resized once to 256×144
       * @param alphaUrl ground-truth alpha (grey PNG), resized the same way, or null
       */
      compare(imageUrl: string, alphaUrl: string | null): Promise<MaskComparison>;
    };
  }
}

const baseUrl = assetsAt('/', location.href);
const WIDTH = 256;
const HEIGHT = 144;

let backends: Promise<{ tasksVision: TasksVisionBackend; session: ort.InferenceSession }> | null = null;

function loadBackends(): Promise<{ tasksVision: TasksVisionBackend; session: ort.InferenceSession }> {
  backends ??= (async () => {
    configureOrt(baseUrl);
    const { bytes } = await loadVerifiedModel(baseUrl, 'selfie-landscape-onnx');
    const session = await ort.InferenceSession.create(new Uint8Array(bytes), { executionProviders: ['webgpu'] });
    const tasksVision = await TasksVisionBackend.create(baseUrl);
    return { tasksVision, session };
  })();
  return backends;
}

async function resized(url: string): Promise<ImageBitmap> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return createImageBitmap(await response.blob(), { resizeWidth: WIDTH, resizeHeight: HEIGHT, resizeQuality: 'high' });
}

function pixels(bitmap: ImageBitmap): Uint8ClampedArray {
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  context.drawImage(bitmap, 0, 0);
  return context.getImageData(0, 0, bitmap.width, bitmap.height).data;
}


window.segmenterHarness = {
  async compare(imageUrl, alphaUrl) {
    const { tasksVision, session } = await loadBackends();
    const bitmap = await resized(imageUrl);
    try {
      let t0 = performance.now();
      // segment() takes ownership of (transfers) the bitmap it is given: send a copy.
      const tv = (await tasksVision.segment(await createImageBitmap(bitmap))).pha;
      const msTasksVision = performance.now() - t0;

      const rgba = pixels(bitmap);
      const plane = WIDTH * HEIGHT;
      const src = new Float32Array(3 * plane);
      for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) src[c * plane + i] = rgba[4 * i + c]! / 255;
      t0 = performance.now();
      const result = await session.run({ src: new ort.Tensor('float32', src, [1, 3, HEIGHT, WIDTH]) });
      const msOnnx = performance.now() - t0;
      const pha = result.pha!;
      if (pha.dims.join() !== `1,1,${HEIGHT},${WIDTH}`) throw new Error(`pha has shape [${pha.dims.join(',')}]`);
      const onnx = pha.data as Float32Array;

      let sum = 0;
      let maxDiff = 0;
      for (let i = 0; i < plane; i++) {
        const d = Math.abs(tv[i]! - onnx[i]!);
        sum += d;
        maxDiff = Math.max(maxDiff, d);
      }
      let gt: Float32Array | null = null;
      if (alphaUrl) {
        const alpha = await resized(alphaUrl);
        const grey = pixels(alpha);
        alpha.close();
        gt = Float32Array.from({ length: plane }, (_, i) => grey[4 * i]! / 255);
      }
      return {
        width: WIDTH,
        height: HEIGHT,
        mad: sum / plane,
        maxDiff,
        iouMasks: iou(tv, onnx),
        iouTasksVisionGt: gt ? iou(tv, gt) : null,
        iouOnnxGt: gt ? iou(onnx, gt) : null,
        msTasksVision,
        msOnnx,
      };
    } finally {
      bitmap.close();
    }
  },
};
