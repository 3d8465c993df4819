import type { AssetLocation } from '../assets';
import type { Backend, Options, ReadbackType } from '../options';
import type { KinectCalibration } from '../types/kinect';
import type { Rect } from '../types/geometry';
import type { DepthInput, DepthStats, FrameStats, MemoryStats, PlateFit, QualityLevel, Readback, RefineStats, Renderer } from '../types/frame';

/** What the engine reports about itself once initialised. */
export interface EngineInfo {
  /** The rendering path (see Renderer). */
  renderer: Renderer;
  /**
   * Present on the `canvas2d` path: a sentence for the user saying that WebGPU is missing
   * (and why) and what does and does not work without it.
   */
  notice?: string;
  /** Adapter description, e.g. "google swiftshader" or "nvidia ampere"; "none (Canvas 2D)" on the canvas2d path. */
  adapter: string;
  /** The backend actually running (may differ from the requested one: see backendFallback). */
  backend: Backend;
  /** Why the requested backend is not the one running (onnx-webgpu could not start), if so. */
  backendFallback?: string;
  /** Base-network input size in pixels. */
  modelInput: { width: number; height: number };
}

/** Result of processing one frame. */
export interface ProcessResult {
  /** The processed frame (ownership moves to the caller, who must close it). */
  frame: VideoFrame;
  stats: FrameStats;
  /**
   * How the frame reached the GPU: zero-copy external texture, or an ImageBitmap copy fallback;
   * `canvas2d`: no GPU texture, the frame is drawn into 2D canvases (the Canvas 2D path).
   */
  importPath: 'external-texture' | 'image-bitmap' | 'canvas2d';
  /**
   * Which matting stages ran: `bgmv2` (options.matting 'bgmv2', a plate and an installed model),
   * `rvm` (options.matting 'rvm' and an installed model), `classic`, or `none` on the Canvas 2D
   * path (no matting stages: the segmenter's mask refined on the CPU, src/pipeline/canvas/cpuMatte.ts).
   */
  matting: 'classic' | 'rvm' | 'bgmv2' | 'none';
  /**
   * How the output left the GPU: `canvas` (GPU copy) or `readback` (software adapters; see
   * FrameOutput); `canvas2d`: a VideoFrame made from the Canvas 2D path's output canvas.
   */
  outputPath: 'canvas' | 'readback' | 'canvas2d';
  /** Plate fit, present when a plate is set (measured every few frames; the last value otherwise). */
  plateFit?: PlateFit;
  /**
   * What the background memory knows (options.backgroundMemory, WebGPU path), present once it
   * was first measured (every few frames; the last value otherwise). Absent with the option off.
   */
  memory?: MemoryStats;
  /** Refinement accounting, present when the refiner ran. */
  refine?: RefineStats;
  /** Present when the frame came with depth and a depth calibration is set (WebGPU path). */
  depth?: DepthStats;
  /** Present when the frame was segmented as two standing-speaker squares (Options.standing): their rectangles, frame pixels. */
  standing?: { top: Rect; bottom: Rect };
  /**
   * The adaptive-quality level this frame was processed at (see src/worker/adaptive.ts):
   * 0 is the best of `levels`; `targetFps` 0 means adaptation is off. Absent on the Canvas 2D path.
   */
  quality?: QualityLevel;
  /** Read-backs of the requested output types (replay / debug only); only `com` and `pha` on the Canvas 2D path. */
  readbacks?: Partial<Record<ReadbackType, Readback>>;
}

/**
 * The engine exposed by the worker with Comlink. Every VideoFrame passed in is
 * transferred and closed by the engine; every VideoFrame returned belongs to the caller.
 */
export interface EngineApi {
  /**
   * Creates the GPU device, loads and verifies the model and builds the passes; without
   * WebGPU, starts the Canvas 2D path instead (EngineInfo.renderer `canvas2d`, with a notice).
   * @param options resolved options
   * @param assets where the models, the wasm runtimes and (library build) the worker scripts are served
   * @throws ReplacerError 'model-integrity' or 'model-load'
   */
  init(options: Readonly<Options>, assets: AssetLocation): Promise<EngineInfo>;
  /**
   * Applies new options to the next frame; a new backend rebuilds the network and the
   * pipeline and returns the new EngineInfo.
   * @throws ReplacerError 'model-integrity' | 'model-load' when the new backend cannot load
   */
  setOptions(options: Readonly<Options>): Promise<EngineInfo | null>;
  /**
   * Sets (or clears, with null) the image for `image` mode; the bitmap is transferred and closed.
   * null also forgets the background video's last frame (`video` mode shows grey until the next).
   */
  setBackground(image: ImageBitmap | null): Promise<void>;
  /**
   * Sets (or clears, with null) the clean background plate: the scene without the person,
   * same framing as the camera. The bitmap is transferred and closed; it is resized to the
   * frame size when they differ. With a plate the refiner matts against it. On the Canvas 2D
   * path the plate is kept but unused.
   * @throws InputError 'unsupported-input' when the image exceeds the GPU's texture size
   */
  setPlate(image: ImageBitmap | null): Promise<void>;
  /**
   * What the background memory (options.backgroundMemory) learned, as a plate image at the
   * frame size: rgb the remembered background, alpha 255 where the memory knows the pixel and 0
   * where it does not (not premultiplied). The bitmap is transferred to the caller. Null on the
   * Canvas 2D path, after a lost GPU device, and while the memory knows nothing (the option is
   * off, a plate is set, or it just started again).
   * @throws ReplacerError 'engine-not-ready' before init
   */
  memoryPlate(): Promise<ImageBitmap | null>;
  /**
   * Processes one frame. The input is closed by the engine. When the GPU device was lost and
   * no new one can be had, the engine goes on on the Canvas 2D path from then on: the results
   * say so (`outputPath` `canvas2d`; EngineInfo with the notice comes from setOptions only on a
   * backend change).
   * @param readbacks output types to read back to the CPU (costly; replay and debug only);
   *   `depth` is black for a frame without depth
   * @param depth the frame's Azure Kinect depth image (transferred), used when a depth
   *   calibration is set
   * @param background a new frame of the background video (`video` mode; transferred and closed
   *   by the engine): shown from this frame on until the next one comes, so a slow background
   *   video repeats its last frame instead of holding the call up. Cover-fitted like an image.
   * @throws InputError 'unsupported-input' when the frame's size is not the calibration's colour
   *   size, or the background frame is larger than the GPU's textures
   */
  process(frame: VideoFrame, readbacks?: ReadbackType[], depth?: DepthInput | null, background?: VideoFrame | null): Promise<ProcessResult>;
  /**
   * Sets (or clears, with null) the Azure Kinect calibration: from then on a frame that comes
   * with depth (process's `depth`) has it registered to the colour frame (WGSL), segmented
   * into the subject's depth band and fused with the colour model's mask as the coarse prior.
   * Frames must have the calibration's colour size. Ignored on the Canvas 2D path.
   */
  setDepthCalibration(calibration: KinectCalibration | null): Promise<void>;
  /** Releases every GPU resource and the model. */
  dispose(): Promise<void>;
}
