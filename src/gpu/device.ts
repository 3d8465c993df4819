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
  const device = await adapter.requestDevice({
    label: 'bg-replacer',
    requiredFeatures: timestamps ? ['timestamp-query'] : [],
  });
  const info = adapter.info;
  const adapterName = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter';
  return { device, adapterName, timestamps };
}
