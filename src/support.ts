// isSupported(): what this browser offers the background replacer, checked by feature, never by
// the browser's name.
import { describeAdapter, isSoftwareAdapter } from './gpu/device';
import { hasOffscreenWebgl2 } from './models/webgl2';
import type { Renderer } from './types/frame';

/** What {@link isSupported} found. Every field is a check of this page's browser, on its main thread. */
export interface SupportReport {
  /** True when the replacer can run here (with `renderer` below); false: `reasons` says what is missing. */
  supported: boolean;
  /** The rendering path `renderer: 'auto'` takes here (`webgpu` on a GPU, `canvas2d` without one), or null when unsupported. */
  renderer: Renderer | null;
  /** WebGPU with an adapter. */
  webgpu: boolean;
  /** True when the only adapter emulates WebGPU on the CPU (SwiftShader, llvmpipe, a fallback adapter); null without an adapter. */
  softwareAdapter: boolean | null;
  /** The adapter's vendor, architecture and description, e.g. "google swiftshader"; null without one. */
  adapter: string | null;
  /** `MediaStreamTrackProcessor` and `MediaStreamTrackGenerator` (insertable streams for video); without them frames go through a <video> element and canvas.captureStream(). */
  insertableStreams: boolean;
  /** `OffscreenCanvas` with a 2D context (the engine's Canvas 2D path and its image decoding). */
  offscreenCanvas: boolean;
  /**
   * `OffscreenCanvas` with a WebGL2 context. Without a (hardware) WebGPU adapter the segmentation
   * model runs on @mediapipe/tasks-vision, whose image processing needs WebGL2 even on its CPU
   * delegate (Firefox started without a display has none, for example).
   */
  webgl2: boolean;
  /** WebCodecs' `VideoFrame`, which carries every frame between the page and the engine. */
  videoFrame: boolean;
  /** Workers (the engine runs in a module worker). */
  workers: boolean;
  /** One sentence per missing or limiting capability, for the user or the log; empty when all is there. */
  reasons: string[];
}

/**
 * Checks what this browser offers the replacer: WebGPU and its adapter (software or not),
 * insertable streams, OffscreenCanvas (2D and WebGL2), VideoFrame and module workers. Requests a WebGPU adapter
 * (no device), so it takes a few milliseconds; it never throws.
 * @returns a report whose `supported` says whether createBackgroundReplacer() can process video
 *   here and `renderer` which path it takes by default; `reasons` explains every limitation
 */
export async function isSupported(): Promise<SupportReport> {
  const reasons: string[] = [];
  const g = globalThis as Record<string, unknown>;
  // Every browser with VideoFrame has module workers (Chromium 94, Firefox 130, Safari 16.4).
  const workers = typeof Worker === 'function';
  if (!workers) reasons.push('No workers: the engine runs in one.');
  const videoFrame = typeof g.VideoFrame === 'function';
  if (!videoFrame) reasons.push('No WebCodecs VideoFrame: frames cannot be handed to the engine.');
  const offscreenCanvas = offscreen2d();
  if (!offscreenCanvas) reasons.push('No OffscreenCanvas with a 2D context.');
  const insertableStreams = typeof g.MediaStreamTrackProcessor === 'function' && typeof g.MediaStreamTrackGenerator === 'function';
  const videoElementPath = typeof HTMLVideoElement !== 'undefined' && 'requestVideoFrameCallback' in HTMLVideoElement.prototype && typeof HTMLCanvasElement !== 'undefined' && 'captureStream' in HTMLCanvasElement.prototype;
  if (!insertableStreams) {
    reasons.push(
      videoElementPath
        ? 'No insertable streams (MediaStreamTrackProcessor/Generator): frames go through a <video> element and canvas.captureStream() instead.'
        : 'Neither insertable streams nor <video> requestVideoFrameCallback with canvas.captureStream(): video cannot be read and written.',
    );
  }
  const { adapter, softwareAdapter, why } = await probeWebGpu();
  const webgpu = adapter !== null;
  if (why) reasons.push(why);
  if (softwareAdapter) reasons.push(`The only WebGPU adapter is a software one (${adapter}): the Canvas 2D path runs instead.`);
  const gpuPath = webgpu && !softwareAdapter;
  const webgl2 = hasOffscreenWebgl2();
  if (!webgl2) {
    reasons.push(
      gpuPath
        ? 'No WebGL2 in OffscreenCanvas: only the WebGPU path can run (the tasks-vision segmenter, its fallback, needs WebGL2).'
        : 'No WebGL2 in OffscreenCanvas: the tasks-vision segmenter, which runs the model without a GPU adapter, needs it.',
    );
  }
  const supported = workers && videoFrame && offscreenCanvas && (insertableStreams || videoElementPath) && (gpuPath || webgl2);
  const renderer: Renderer | null = !supported ? null : gpuPath ? 'webgpu' : 'canvas2d';
  return { supported, renderer, webgpu, softwareAdapter, adapter, insertableStreams, offscreenCanvas, webgl2, videoFrame, workers, reasons };
}

function offscreen2d(): boolean {
  if (typeof OffscreenCanvas !== 'function') return false;
  try {
    return new OffscreenCanvas(1, 1).getContext('2d') !== null;
  } catch {
    return false;
  }
}

async function probeWebGpu(): Promise<{ adapter: string | null; softwareAdapter: boolean | null; why: string | null }> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return { adapter: null, softwareAdapter: null, why: 'No WebGPU in this browser: the Canvas 2D path runs instead.' };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { adapter: null, softwareAdapter: null, why: 'WebGPU has no adapter (the GPU may be blocklisted or disabled): the Canvas 2D path runs instead.' };
    const name = describeAdapter(adapter.info);
    const fallback = (adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
    return { adapter: name, softwareAdapter: fallback || isSoftwareAdapter(name), why: null };
  } catch (err) {
    return { adapter: null, softwareAdapter: null, why: `Requesting a WebGPU adapter failed (${String(err)}): the Canvas 2D path runs instead.` };
  }
}
