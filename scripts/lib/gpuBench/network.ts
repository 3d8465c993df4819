// The segmentation network in the Node bench: the real base network (the selfie segmenter the
// app runs, converted to ONNX at install) through onnxruntime-web, on the CPU to record its
// masks and on the pipeline's GPU device (its WebGPU execution provider) as the timed row.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AssetLocation } from '../../../src/assets';
import { ModelIntegrityError } from '../../../src/errors';
import { MODEL_MANIFEST, type ModelEntry } from '../../../src/models/manifest';
import { OnnxWebGpuSegmenter, ONNX_SEGMENTER_ID } from '../../../src/models/onnxWebGpu';
import { configureOrt, ort, ORT_RUNTIME_FILES } from '../../../src/models/ortRuntime';
import { resizeRgba, type Rgba } from './inputs';

/** The base network's model file, checked against the manifest compiled into the code. */
export interface BaseModel {
  entry: ModelEntry;
  bytes: Uint8Array;
}

/**
 * Reads the ONNX selfie segmenter and verifies its sha256 against src/models/manifest.json.
 * @throws Error when the file is unreadable; ModelIntegrityError when its hash differs
 */
export function readBaseModel(path: string): BaseModel {
  const entry = MODEL_MANIFEST.models.find((m) => m.id === ONNX_SEGMENTER_ID)!;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read the base network ${path} (npm install converts it into public/models/): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== entry.sha256) throw new ModelIntegrityError(entry.file, entry.sha256, actual);
  return { entry, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

/**
 * Where onnxruntime-web finds its runtime in Node: the files of ORT_RUNTIME_FILES in `ortDir`
 * (public/ort/ in the repository, ort/ in the GPU bundle), as file: URLs.
 */
export function ortAssets(ortDir: string): AssetLocation {
  const files: Record<string, string> = {};
  for (const file of ORT_RUNTIME_FILES) files[`ort/${file}`] = pathToFileURL(join(ortDir, file)).href;
  return { base: pathToFileURL(`${ortDir}/`).href, files };
}

/**
 * The base network on `device` through onnxruntime-web's WebGPU execution provider (what the
 * app's onnx-webgpu backend runs), its input and output in GPU buffers.
 * @throws ReplacerError 'model-load' when onnxruntime-web cannot start on this device
 */
export function webGpuBaseNetwork(device: GPUDevice, model: BaseModel, ortDir: string): Promise<OnnxWebGpuSegmenter> {
  return OnnxWebGpuSegmenter.fromBytes(device, ortAssets(ortDir), model.bytes, model.entry.input.width, model.entry.input.height, model.entry.file);
}

/** Runs the base network on the CPU (onnxruntime-web's wasm execution provider). */
export interface CpuSession {
  /**
   * @param input [1,3,H,W] float32 RGB in 0..1
   * @returns [H,W] float32 person confidence in 0..1 (a copy)
   */
  run(input: Float32Array<ArrayBuffer>): Promise<Float32Array<ArrayBuffer>>;
  release(): Promise<void>;
}

/**
 * A CPU session of the base network (the bench records its masks with it).
 * @throws Error when onnxruntime-web cannot load the model
 */
export async function cpuBaseSession(model: BaseModel, ortDir: string): Promise<CpuSession> {
  configureOrt(ortAssets(ortDir));
  const session = await ort.InferenceSession.create(model.bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const [inputName] = session.inputNames;
  const [outputName] = session.outputNames;
  if (!inputName || !outputName) throw new Error(`${model.entry.file} has no input or output`);
  const { width, height } = model.entry.input;
  return {
    async run(input) {
      if (input.length !== 3 * width * height) throw new RangeError(`base network input: ${input.length} floats, needs 3×${height}×${width}`);
      const out = await session.run({ [inputName]: new ort.Tensor('float32', input, [1, 3, height, width]) });
      return Float32Array.from(out[outputName]!.data as Float32Array);
    },
    release: () => session.release(),
  };
}

/**
 * Runs the base network on the device and on the CPU on the same input, `image` resized to the
 * network's input, and compares their masks.
 * @returns the largest absolute difference of the two masks (confidence in 0..1)
 * @throws the networks' errors
 */
export async function checkBaseNetwork(device: GPUDevice, network: OnnxWebGpuSegmenter, cpu: CpuSession, image: Rgba): Promise<number> {
  const { width, height } = network;
  const small = resizeRgba(image, width, height);
  const plane = width * height;
  const input = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) input[c * plane + p] = small.data[p * 4 + c]! / 255;
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const output = device.createBuffer({ label: 'base network check output', size: plane * 4, usage });
  const staging = device.createBuffer({ label: 'base network check read-back', size: plane * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    device.queue.writeBuffer(network.input, 0, input);
    await network.run(output);
    const encoder = device.createCommandEncoder({ label: 'base network check read-back' });
    encoder.copyBufferToBuffer(output, 0, staging, 0, plane * 4);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const onDevice = new Float32Array(staging.getMappedRange().slice(0));
    staging.unmap();
    const onCpu = await cpu.run(input);
    let max = 0;
    for (let i = 0; i < plane; i++) max = Math.max(max, Math.abs(onDevice[i]! - onCpu[i]!));
    return max;
  } finally {
    output.destroy();
    staging.destroy();
  }
}
