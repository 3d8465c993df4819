// Masks of the real base network, recorded once per frame size and replayed on the GPU: the
// bench times the pipeline's own stages on the network's real output without running the
// network in every frame (its cost is a row of its own, on onnxruntime-web's WebGPU provider).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tensorBytes } from '../../../src/types/tensor';
import type { GpuBaseNetwork } from '../../../src/types/network';
import type { CpuSession } from './network';

/** What a recording is of: the network, the frame and its size. */
export interface MaskKey {
  /** sha256 of the model file and of the frame's PNG (hex). */
  model: string;
  frame: string;
  width: number;
  height: number;
}

/** The masks of one frame: the network's runs in the order the pipeline made them. */
export interface MaskRecording {
  key: MaskKey;
  /** The network's input and output size. */
  networkWidth: number;
  networkHeight: number;
  /** One [networkHeight, networkWidth] float32 mask per run (the whole frame, then each ROI pass). */
  masks: Float32Array<ArrayBuffer>[];
}

const VERSION = 1;

/** The recording's file name in the masks folder (no extension): model, frame and size. */
export function maskFileName(key: MaskKey): string {
  return `mask-${key.model.slice(0, 12)}-${key.frame.slice(0, 12)}-${key.width}x${key.height}`;
}

/** Reads a recording from `dir`, or null when there is none for `key`. @throws Error for a malformed file */
export function readMasks(dir: string, key: MaskKey): MaskRecording | null {
  const base = join(dir, maskFileName(key));
  if (!existsSync(`${base}.json`)) return null;
  const head = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as { version: number; key: MaskKey; networkWidth: number; networkHeight: number; runs: number };
  const same = head.key.model === key.model && head.key.frame === key.frame && head.key.width === key.width && head.key.height === key.height;
  if (head.version !== VERSION || !same) throw new Error(`${base}.json is not a recording of this model, frame and size (or of another format): delete it`);
  const bytes = readFileSync(`${base}.f32`);
  const plane = head.networkWidth * head.networkHeight;
  if (bytes.byteLength !== head.runs * plane * 4) throw new Error(`${base}.f32 holds ${bytes.byteLength} bytes, expected ${head.runs} masks of ${head.networkWidth}×${head.networkHeight}`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const masks = Array.from({ length: head.runs }, (_, i) => all.slice(i * plane, (i + 1) * plane));
  return { key: head.key, networkWidth: head.networkWidth, networkHeight: head.networkHeight, masks };
}

/** Writes a recording into `dir` (created if needed), each file whole or not at all. */
export function writeMasks(dir: string, recording: MaskRecording): void {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, maskFileName(recording.key));
  const data = new Uint8Array(recording.masks.length * recording.networkWidth * recording.networkHeight * 4);
  recording.masks.forEach((m, i) => data.set(new Uint8Array(m.buffer, m.byteOffset, m.byteLength), i * m.byteLength));
  const head = { version: VERSION, key: recording.key, networkWidth: recording.networkWidth, networkHeight: recording.networkHeight, runs: recording.masks.length };
  writeFileSync(`${base}.f32.tmp`, data);
  renameSync(`${base}.f32.tmp`, `${base}.f32`);
  writeFileSync(`${base}.json.tmp`, `${JSON.stringify(head, null, 1)}\n`);
  renameSync(`${base}.json.tmp`, `${base}.json`);
}

/**
 * The base network on the CPU, as a GPU base network of the pipeline: each run reads the input
 * tensor the pipeline wrote back from the GPU, runs the network (onnxruntime-web's wasm
 * provider) and writes the mask into the pipeline's buffer, keeping a copy (`masks`). Slow (a
 * read-back per run): it records, it is not timed. Owns its buffers; close() releases them (not
 * the session).
 */
export class RecordingNetwork implements GpuBaseNetwork {
  readonly kind = 'gpu' as const;
  readonly input: GPUBuffer;
  /** The masks of the runs so far, in order. */
  readonly masks: Float32Array<ArrayBuffer>[] = [];
  private readonly staging: GPUBuffer;

  constructor(
    private readonly device: GPUDevice,
    private readonly session: CpuSession,
    readonly width: number,
    readonly height: number,
  ) {
    const size = tensorBytes(width, height);
    this.input = device.createBuffer({ label: 'recording network input', size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    this.staging = device.createBuffer({ label: 'recording network read-back', size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }

  async run(output: GPUBuffer): Promise<void> {
    const plane = this.width * this.height;
    if (output.size < plane * 4) throw new RangeError(`segmenter output: ${output.size} bytes, needs ${plane * 4}`);
    const encoder = this.device.createCommandEncoder({ label: 'recording network read-back' });
    encoder.copyBufferToBuffer(this.input, 0, this.staging, 0, this.input.size);
    this.device.queue.submit([encoder.finish()]);
    await this.staging.mapAsync(GPUMapMode.READ);
    const input = new Float32Array(this.staging.getMappedRange().slice(0));
    this.staging.unmap();
    const mask = await this.session.run(input);
    this.device.queue.writeBuffer(output, 0, mask);
    this.masks.push(mask);
  }

  async close(): Promise<void> {
    this.input.destroy();
    this.staging.destroy();
  }
}

/**
 * Replays a recording as the pipeline's GPU base network: run k of a frame copies recorded mask
 * k into the pipeline's buffer on the GPU (copyBufferToBuffer, queued after the pipeline's
 * submitted work; nothing crosses to the CPU). The pipeline still writes the network's input
 * tensor, as it would for the real network. Call beginFrame() before each frame. Owns its
 * buffers; close() releases them.
 */
export class ReplayNetwork implements GpuBaseNetwork {
  readonly kind = 'gpu' as const;
  readonly width: number;
  readonly height: number;
  readonly input: GPUBuffer;
  private readonly masks: GPUBuffer[];
  private next = 0;

  /** @throws RangeError for a recording without masks */
  constructor(
    private readonly device: GPUDevice,
    recording: MaskRecording,
  ) {
    if (recording.masks.length === 0) throw new RangeError('a mask recording without masks');
    this.width = recording.networkWidth;
    this.height = recording.networkHeight;
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    this.input = device.createBuffer({ label: 'replay network input', size: tensorBytes(this.width, this.height), usage });
    this.masks = recording.masks.map((mask, i) => {
      const buffer = device.createBuffer({ label: `recorded mask ${i}`, size: mask.byteLength, usage });
      device.queue.writeBuffer(buffer, 0, mask);
      return buffer;
    });
  }

  /** The next run is the frame's first (the whole frame's mask). */
  beginFrame(): void {
    this.next = 0;
  }

  /** @throws Error when the frame asks for more runs than were recorded (another quality level than the recording's) */
  async run(output: GPUBuffer): Promise<void> {
    const mask = this.masks[this.next];
    if (!mask) throw new Error(`the mask recording has ${this.masks.length} network runs a frame; the pipeline asked for a run more`);
    if (output.size < mask.size) throw new RangeError(`segmenter output: ${output.size} bytes, needs ${mask.size}`);
    const encoder = this.device.createCommandEncoder({ label: 'replay network' });
    encoder.copyBufferToBuffer(mask, 0, output, 0, mask.size);
    this.device.queue.submit([encoder.finish()]);
    this.next++;
  }

  async close(): Promise<void> {
    this.input.destroy();
    for (const mask of this.masks) mask.destroy();
  }
}
