// The public API: createBackgroundReplacer() and the types it deals in. The replacer itself
// is composed in replacer.ts (supervisor, frame loop, plate capture, stats and events).
import { assetsAt, assetUrl, type AssetLocation } from '../assets';
import { InvalidOptionError, ReplacerError } from '../errors';
import { resolveOptions, type Options } from '../options';
import type { DepthInput, DepthStats, MemoryStats, PlateFit, QualityLevel, RefineStats, Renderer } from '../types/frame';
import type { DepthFrameSource, DepthSourceFrame } from '../types/kinect';
import { defaultAssets, ENGINE_WORKER_ASSET } from './defaultAssets';
import type { PlateCaptureOptions } from './plateCapture';
import { Replacer } from './replacer';
import type { BackgroundReplacer, ReplacerEventMap, ReplacerStats } from './replacerTypes';

export { MAX_IMAGE_SIDE } from './prepareImage';

export type { BackgroundReplacer, DepthFrameSource, DepthInput, DepthSourceFrame, DepthStats, MemoryStats, PlateCaptureOptions, PlateFit, QualityLevel, RefineStats, ReplacerEventMap, ReplacerStats, Renderer };

/** What createBackgroundReplacer() takes: the options, and where the assets are. */
export interface ReplacerInit extends Partial<Options> {
  /**
   * The folder (URL, absolute or relative to the page, on the page's origin) that serves the
   * assets: `models/`, `ort/`, `tasks-vision/` and, for the package, `workers/` — what
   * `npx bg-replacer copy-assets DIR` copies. Default: the assets beside the package's module
   * (or your bundler's copies of them); in this repository's app, its base URL.
   */
  assetsPath?: string | URL;
}

/**
 * Creates a background replacer and starts its engine (WebGPU device, model) in a worker.
 * Resolves without waiting for the engine: until it is ready, `process()` covers the frames as
 * `whileNotReady` says (listen for `ready`, or await `whenReady()`).
 * @throws InvalidOptionError (rejection) for invalid options or an `assetsPath` that is not a URL
 * @throws ReplacerError 'model-load' (rejection) when the engine's worker script is not served
 *   at the assets (package build), naming the URL that failed
 */
export async function createBackgroundReplacer(init: ReplacerInit = {}): Promise<BackgroundReplacer> {
  const { assetsPath, ...options } = init;
  const resolved = resolveOptions(options);
  const assets = assetsPath === undefined ? defaultAssets() : assetLocation(assetsPath);
  if (ENGINE_WORKER_ASSET) await checkServed(assetUrl(assets, ENGINE_WORKER_ASSET));
  return new Replacer(resolved, assets);
}

/** @throws InvalidOptionError when `path` is not a URL */
function assetLocation(path: string | URL): AssetLocation {
  try {
    return assetsAt(path, location.href);
  } catch (err) {
    throw new InvalidOptionError('assetsPath', `${JSON.stringify(String(path))} is not a URL (${String(err)}).`);
  }
}

/**
 * A worker script must come back as JavaScript: a host that answers every unknown path with its
 * index page (a single-page app's fallback) says 200 with text/html.
 * @throws ReplacerError 'model-load' naming `url` when it is not served as a script
 */
async function checkServed(url: string): Promise<void> {
  let status: string;
  try {
    const response = await fetch(url, { method: 'HEAD' });
    const type = response.headers.get('content-type') ?? '';
    if (response.ok && /javascript|ecmascript/i.test(type)) return;
    status = response.ok ? `HTTP ${response.status}, but ${type || 'no content type'} instead of a script` : `HTTP ${response.status}`;
  } catch (err) {
    status = String(err);
  }
  throw new ReplacerError(
    'model-load',
    `The background replacer's assets are not served at ${url} (${status}) — set assetsPath to the folder \`npx bg-replacer copy-assets DIR\` made, on this page's origin.`,
  );
}
