// The public API: createBackgroundReplacer() and the types it deals in. The replacer itself
// is composed in replacer.ts (supervisor, frame loop, plate capture, stats and events).
import { resolveOptions, type Options } from '../options';
import type { DepthInput, DepthStats, PlateFit, QualityLevel, RefineStats, Renderer } from '../types/frame';
import type { DepthFrameSource, DepthSourceFrame } from '../types/kinect';
import type { PlateCaptureOptions } from './plateCapture';
import { Replacer } from './replacer';
import type { BackgroundReplacer, ReplacerEventMap, ReplacerStats } from './replacerTypes';

export { MAX_RESTARTS } from './supervisor';
export { MAX_IMAGE_SIDE } from './prepareImage';

export type { BackgroundReplacer, DepthFrameSource, DepthInput, DepthSourceFrame, DepthStats, PlateCaptureOptions, PlateFit, QualityLevel, RefineStats, ReplacerEventMap, ReplacerStats, Renderer };

/**
 * Creates a background replacer and starts its engine (WebGPU device, model) in a worker.
 * Resolves without waiting for the engine: `process()` passes frames through until it is
 * ready (listen for `ready`, or await `whenReady()`).
 * @throws InvalidOptionError (rejection) for invalid options
 */
export async function createBackgroundReplacer(options: Partial<Options> = {}): Promise<BackgroundReplacer> {
  return new Replacer(resolveOptions(options));
}
