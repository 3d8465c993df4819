// Where the engine finds what it loads at run time: the segmentation model, the onnxruntime-web
// and tasks-vision WebAssembly runtimes, and (in the library build) the worker scripts. The app
// serves them under its base URL (public/); the package ships them in dist/assets/ and an
// embedder may serve them anywhere on its origin (`assetsPath`, `npx bg-replacer copy-assets`).

/**
 * The files the engine loads at run time, as paths relative to the assets folder. The assets
 * folder also holds `models/manifest.json` (the sha256 of each model, for people and
 * `copy-assets`; the engine checks against the copy compiled into it).
 */
export const ASSET_FILES = [
  'models/selfie_segmentation_landscape.tflite',
  'models/selfie_segmentation_landscape.onnx',
  'ort/ort-wasm-simd-threaded.asyncify.mjs',
  'ort/ort-wasm-simd-threaded.asyncify.wasm',
  'tasks-vision/vision_wasm_module_internal.js',
  'tasks-vision/vision_wasm_module_internal.wasm',
] as const;

/** The library build's worker scripts, relative to the assets folder (the app bundles its own). */
export const WORKER_FILES = ['workers/engine.worker.js', 'workers/segmenter.worker.js'] as const;

/**
 * Where the assets are: an absolute base URL ending in `/`, and for some paths an exact URL that
 * overrides `base + path` (a bundler's hashed copy of a file). Plain data: it crosses to the
 * workers with postMessage.
 */
export interface AssetLocation {
  readonly base: string;
  readonly files: Readonly<Record<string, string>>;
}

/**
 * The absolute URL of one asset.
 * @param path relative to the assets folder, e.g. 'models/selfie_segmentation_landscape.onnx'
 */
export function assetUrl(assets: AssetLocation, path: string): string {
  return assets.files[path] ?? new URL(path, assets.base).href;
}

/**
 * An AssetLocation for a folder given by the embedder (`assetsPath`).
 * @param path absolute, or relative to `relativeTo` (the page's URL); a missing trailing `/` is added
 * @throws TypeError when it is not a URL
 */
export function assetsAt(path: string | URL, relativeTo: string): AssetLocation {
  const url = new URL(String(path), relativeTo);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return { base: url.href, files: {} };
}
