// WebGPU in plain Node: Dawn's Node bindings (the npm package `webgpu`, dist/<platform>/dawn.node)
// loaded from a path, with what the pipeline and onnxruntime-web expect of a browser's WebGPU.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/** What dawn.node exports. */
interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

/**
 * Dawn's flags for the bench: timestamps at full resolution (Dawn quantises them to 100 µs by
 * default, as browsers do against timing attacks; a bench wants the real ticks).
 */
export const DAWN_FLAGS: readonly string[] = ['disable-dawn-features=timestamp_quantization'];

/**
 * Loads dawn.node and makes it this process's WebGPU: its classes and flag namespaces
 * (GPUBufferUsage, GPUTexture, …) become globals, `navigator.gpu` its GPU object (src/gpu/device.ts
 * and onnxruntime-web look there), and GPUQueue.writeBuffer accepts views of a SharedArrayBuffer
 * (see shareableWriteBuffer). Call once, before any pipeline module creates a pass.
 * @param dawnPath absolute path of dawn.node (`webgpu/dist/linux-x64/dawn.node`)
 * @param flags Dawn instance flags, e.g. 'backend=vulkan' (DAWN_FLAGS by default)
 * @returns the GPU object
 * @throws Error when the file is missing or does not load (a missing shared library is named
 *   in the message: libstdc++ with GLIBCXX_3.4.30, glibc ≥ 2.34)
 */
export function installDawn(dawnPath: string, flags: readonly string[] = DAWN_FLAGS): GPU {
  if (!existsSync(dawnPath)) throw new Error(`dawn.node not found at ${dawnPath}`);
  let dawn: DawnModule;
  try {
    dawn = createRequire(import.meta.url)(dawnPath) as DawnModule;
  } catch (err) {
    throw new Error(`cannot load ${dawnPath}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([...flags]);
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: `Node.js ${process.version}` }, configurable: true });
  shareableWriteBuffer(GPUQueue.prototype);
  return gpu;
}

/**
 * onnxruntime-web keeps its tensors in WebAssembly memory that is a SharedArrayBuffer (its
 * threaded build) and hands GPUQueue.writeBuffer views of it; browsers take them, dawn.node
 * throws "Invalid argument" (or crashes). Wraps `queue`'s writeBuffer (GPUQueue.prototype) so
 * such data is copied into a plain buffer first: the same bytes reach the GPU. Idempotent.
 */
export function shareableWriteBuffer(queue: GPUQueue): void {
  const proto = queue as GPUQueue & { __sharedCopy?: true };
  if (proto.__sharedCopy) return;
  const writeBuffer = proto.writeBuffer;
  proto.writeBuffer = function (this: GPUQueue, buffer: GPUBuffer, offset: number, data: BufferSource | SharedArrayBuffer, dataOffset?: number, size?: number): void {
    const shared = ArrayBuffer.isView(data) ? data.buffer instanceof SharedArrayBuffer : data instanceof SharedArrayBuffer;
    if (!shared) {
      writeBuffer.call(this, buffer, offset, data as BufferSource, dataOffset, size);
      return;
    }
    // dataOffset and size count elements of a typed array, bytes otherwise (WebGPU's writeBuffer).
    const view = ArrayBuffer.isView(data) ? data : new Uint8Array(data);
    const unit = 'BYTES_PER_ELEMENT' in view ? (view as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT : 1;
    const first = (dataOffset ?? 0) * unit;
    const bytes = size === undefined ? view.byteLength - first : size * unit;
    writeBuffer.call(this, buffer, offset, new Uint8Array(view.buffer, view.byteOffset + first, bytes).slice());
  } as GPUQueue['writeBuffer'];
  Object.defineProperty(proto, '__sharedCopy', { value: true });
}
