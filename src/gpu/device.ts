import { ReplacerError } from '../errors';

/** A GPU device with what the pipeline needs to know about its adapter. */
export interface GpuContext {
  device: GPUDevice;
  /** e.g. "google swiftshader", "nvidia hopper" */
  adapterName: string;
  /** True when per-pass GPU timings can be measured. */
  timestamps: boolean;
}

/**
 * Requests a WebGPU adapter and device (with `timestamp-query` when the adapter has it).
 * @throws ReplacerError 'webgpu-unavailable' when the browser has no WebGPU or no adapter
 */
export async function createGpuContext(): Promise<GpuContext> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) {
    throw new ReplacerError(
      'webgpu-unavailable',
      'WebGPU is not available in this browser — use a recent Chrome or Edge (or enable WebGPU in the browser flags).',
    );
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new ReplacerError('webgpu-unavailable', 'No WebGPU adapter was found — the GPU may be blocklisted or disabled.');
  }
  const timestamps = adapter.features.has('timestamp-query');
  // onnxruntime-web's WebGPU execution provider shares this device: give it the adapter's
  // limits for what its kernels size by (as it would request for a device of its own).
  const L = adapter.limits;
  const device = await adapter.requestDevice({
    label: 'bg-replacer',
    requiredFeatures: timestamps ? ['timestamp-query'] : [],
    requiredLimits: {
      maxBufferSize: L.maxBufferSize,
      maxStorageBufferBindingSize: L.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: L.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: L.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: L.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: L.maxComputeWorkgroupSizeY,
      maxComputeWorkgroupSizeZ: L.maxComputeWorkgroupSizeZ,
      maxStorageBuffersPerShaderStage: L.maxStorageBuffersPerShaderStage,
    },
  });
  return { device, adapterName: describeAdapter(adapter.info), timestamps };
}

/** An adapter's vendor, architecture and description in one line, e.g. "google swiftshader". */
export function describeAdapter(info: GPUAdapterInfo): string {
  return [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter';
}

/** True for adapters that emulate WebGPU on the CPU (SwiftShader, or an adapter marked as fallback). */
export function isSoftwareAdapter(adapterName: string): boolean {
  return /swiftshader|llvmpipe|software/i.test(adapterName);
}
