// Shared helpers of the GPU test harness (test/gpu/harness.ts and test/gpu/cases/*): random
// inputs, the quantisation a texture format applies, upload and readback, comparison.
import { halfToFloat } from '../../../src/types/tensor';
import { readTexture } from '../../../src/gpu/readback';
import { createImage, type FloatImage } from '../../../src/gpu/reference/image';

/** Max and mean absolute difference between the GPU result and the reference. */
export interface Comparison {
  maxDiff: number;
  meanDiff: number;
  /** Values compared. */
  count: number;
  /** Set when the adapter cannot run the pass at all (the test then says why it skips). */
  unsupported?: string;
}

export { rng } from './rng';

export function randomImage(w: number, h: number, c: number, rand: () => number, lo = 0, hi = 1): FloatImage {
  const img = createImage(w, h, c);
  for (let i = 0; i < img.data.length; i++) img.data[i] = lo + (hi - lo) * rand();
  return img;
}

/** A W×H image of `channels` channels whose pixel (x, y) is f(x, y) (a missing channel is 1). */
export function image(W: number, H: number, channels: number, f: (x: number, y: number) => readonly number[]): FloatImage {
  const img = createImage(W, H, channels);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = f(x, y);
      for (let c = 0; c < channels; c++) img.data[(y * W + x) * channels + c] = v[c] ?? 1;
    }
  }
  return img;
}

/** What an rgba8unorm texture holds for these values. */
export function quantize8(img: FloatImage): FloatImage {
  return { ...img, data: img.data.map((v) => Math.round(v * 255) / 255) };
}

export function floatToHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = ((bits >>> 23) & 0xff) - 127 + 15;
  const mant = bits & 0x7fffff;
  if (exp <= 0) return sign | Math.round((mant | 0x800000) / 2 ** (14 - exp));
  if (exp >= 31) return sign | 0x7c00;
  const rounded = Math.round(mant / 8192);
  return sign | ((exp << 10) + rounded);
}

/** What an rgba16float texture holds for these values. */
export function quantize16f(img: FloatImage): FloatImage {
  return { ...img, data: img.data.map((v) => halfToFloat(floatToHalf(v))) };
}

let devicePromise: Promise<GPUDevice> | null = null;
export function gpu(): Promise<GPUDevice> {
  devicePromise ??= (async () => {
    const adapter = await navigator.gpu?.requestAdapter();
    if (!adapter) throw new Error('no WebGPU adapter');
    return adapter.requestDevice();
  })();
  return devicePromise;
}

export const U = GPUTextureUsage;

export function upload(device: GPUDevice, img: FloatImage, format: 'rgba8unorm' | 'r32float' | 'rgba16float', extraUsage = 0): GPUTexture {
  const texture = device.createTexture({
    size: [img.width, img.height],
    format,
    usage: U.TEXTURE_BINDING | U.COPY_DST | U.COPY_SRC | extraUsage,
  });
  let data: Uint8Array | Float32Array | Uint16Array;
  let bytesPerPixel: number;
  if (format === 'rgba8unorm') {
    data = new Uint8Array(img.data.length);
    img.data.forEach((v, i) => (data[i] = Math.round(v * 255)));
    bytesPerPixel = 4;
  } else if (format === 'r32float') {
    data = new Float32Array(img.data);
    bytesPerPixel = 4;
  } else {
    data = new Uint16Array(img.data.length);
    img.data.forEach((v, i) => (data[i] = floatToHalf(v)));
    bytesPerPixel = 8;
  }
  device.queue.writeTexture({ texture }, data as Uint8Array<ArrayBuffer>, { bytesPerRow: img.width * bytesPerPixel }, [img.width, img.height]);
  return texture;
}

export function output(device: GPUDevice, w: number, h: number, format: GPUTextureFormat, usage: number): GPUTexture {
  return device.createTexture({ size: [w, h], format, usage: usage | U.COPY_SRC | U.TEXTURE_BINDING });
}

export async function read(device: GPUDevice, texture: GPUTexture, channels: number): Promise<FloatImage> {
  const raw = await readTexture(device, texture);
  const img = createImage(texture.width, texture.height, channels);
  const stride = texture.format === 'r32float' ? 1 : 4;
  for (let p = 0; p < texture.width * texture.height; p++) {
    for (let c = 0; c < channels; c++) {
      const v = raw[p * stride + c]!;
      img.data[p * channels + c] = texture.format === 'rgba8unorm' ? v / 255 : texture.format === 'rgba16float' ? halfToFloat(v) : v;
    }
  }
  return img;
}

export function compare(actual: FloatImage, expected: FloatImage): Comparison {
  if (actual.data.length !== expected.data.length) throw new Error(`size mismatch ${actual.data.length} vs ${expected.data.length}`);
  let maxDiff = 0;
  let sum = 0;
  for (let i = 0; i < actual.data.length; i++) {
    const d = Math.abs(actual.data[i]! - expected.data[i]!);
    if (!(d <= maxDiff)) maxDiff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
    sum += Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  }
  return { maxDiff, meanDiff: sum / actual.data.length, count: actual.data.length };
}

export async function submit(device: GPUDevice, record: (encoder: GPUCommandEncoder) => void): Promise<void> {
  device.pushErrorScope('validation');
  const encoder = device.createCommandEncoder();
  record(encoder);
  device.queue.submit([encoder.finish()]);
  const error = await device.popErrorScope();
  if (error) throw new Error(`WebGPU validation error: ${error.message}`);
}

/** Copies the first `bytes` of a GPU buffer (COPY_SRC) back to the CPU. */
export async function readBufferBytes(device: GPUDevice, buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
  const staging = device.createBuffer({ size: Math.max(4, bytes), usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  try {
    const encoder = device.createCommandEncoder();
    if (bytes > 0) encoder.copyBufferToBuffer(buffer, 0, staging, 0, bytes);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    return staging.getMappedRange(0, bytes).slice(0);
  } finally {
    staging.destroy();
  }
}

/** The first `words` u32 of a GPU buffer. */
export async function readU32(device: GPUDevice, buffer: GPUBuffer, words: number): Promise<number[]> {
  return [...new Uint32Array(await readBufferBytes(device, buffer, words * 4))];
}

/** The first `count` f32 of a GPU buffer. */
export async function readF32(device: GPUDevice, buffer: GPUBuffer, count: number): Promise<Float32Array> {
  return new Float32Array(await readBufferBytes(device, buffer, count * 4));
}

/** Timestamp queries 0 (start) and 1 (end) and their read-back, for {@link timedSubmit}. */
export interface GpuTimer {
  querySet: GPUQuerySet;
  resolve: GPUBuffer;
  staging: GPUBuffer;
}

/** A GpuTimer when the device has 'timestamp-query', else null. */
export function createGpuTimer(device: GPUDevice): GpuTimer | null {
  if (!device.features.has('timestamp-query')) return null;
  return {
    querySet: device.createQuerySet({ type: 'timestamp', count: 2 }),
    resolve: device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }),
    staging: device.createBuffer({ size: 16, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ }),
  };
}

/**
 * Times one submission: waits for the queue to be idle, records (`record` writes timestamps
 * 0 and 1 of `timer` around the work when there is a timer), submits and waits.
 * @returns wall time submit → onSubmittedWorkDone, and the GPU time between the two
 *   timestamps (null without a timer), both in ms
 */
export async function timedSubmit(device: GPUDevice, timer: GpuTimer | null, record: (encoder: GPUCommandEncoder) => void): Promise<{ wallMs: number; gpuMs: number | null }> {
  const e = device.createCommandEncoder();
  record(e);
  if (timer) {
    e.resolveQuerySet(timer.querySet, 0, 2, timer.resolve, 0);
    e.copyBufferToBuffer(timer.resolve, 0, timer.staging, 0, 16);
  }
  await device.queue.onSubmittedWorkDone();
  const t0 = performance.now();
  device.queue.submit([e.finish()]);
  await device.queue.onSubmittedWorkDone();
  const wallMs = performance.now() - t0;
  if (!timer) return { wallMs, gpuMs: null };
  await timer.staging.mapAsync(GPUMapMode.READ);
  const [a, b] = new BigUint64Array(timer.staging.getMappedRange());
  timer.staging.unmap();
  return { wallMs, gpuMs: Number(b! - a!) / 1e6 };
}

/** A STORAGE | COPY_SRC | COPY_DST buffer holding `data` (as onnxruntime-web's WebGPU backend allocates its tensors). */
export function storageBuffer(device: GPUDevice, data: Float32Array, label: string): GPUBuffer {
  const buffer = device.createBuffer({ label, size: data.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buffer, 0, data as Float32Array<ArrayBuffer>);
  return buffer;
}
