import * as ort from 'onnxruntime-web/webgpu';
import { assetUrl, type AssetLocation } from '../assets';
import { ReplacerError } from '../errors';

/** onnxruntime-web's WebGPU build: the JS API and its wasm runtime, served from our own origin. */
export { ort };

/** Files of onnxruntime-web's WebGPU runtime that scripts/install-models.mjs copies to public/ort/. */
export const ORT_RUNTIME_FILES = ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'] as const;

/**
 * Points onnxruntime-web at the runtime files under the assets' `ort/` (never a CDN: the CSP
 * allows our own origin only) and runs it single-threaded (threads need cross-origin
 * isolation, which an embedding page may not have). Idempotent.
 * @param assets where the runtime files are served
 */
export function configureOrt(assets: AssetLocation): void {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmPaths = {
    mjs: assetUrl(assets, `ort/${ORT_RUNTIME_FILES[0]}`),
    wasm: assetUrl(assets, `ort/${ORT_RUNTIME_FILES[1]}`),
  };
  ort.env.logLevel = 'error';
}

/**
 * An inference session on onnxruntime-web's WebGPU execution provider, on `device` (shared
 * with the pipeline), with outputs left on the GPU (`preferredOutputLocation: 'gpu-buffer'`).
 * @param what the model's name for the error message
 * @throws ReplacerError 'model-load' when the bytes are not a model the runtime can run on WebGPU
 */
export async function createWebGpuSession(device: GPUDevice, assets: AssetLocation, bytes: Uint8Array, what: string): Promise<ort.InferenceSession> {
  configureOrt(assets);
  try {
    return await ort.InferenceSession.create(bytes, {
      executionProviders: [{ name: 'webgpu', device }],
      preferredOutputLocation: 'gpu-buffer',
      graphOptimizationLevel: 'all',
    });
  } catch (err) {
    throw new ReplacerError('model-load', `onnxruntime-web could not load ${what} on WebGPU: ${String(err)}`, { cause: err });
  }
}
