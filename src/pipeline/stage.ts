// What a stage of the frame pipeline is, and what it sees of one frame. The pipeline is an
// ordered table of stages (src/pipeline/stages.ts); each stage is a file of its own under
// src/pipeline/stages/ that owns its passes, the textures and buffers it alone uses, its bind
// groups and their disposal, and says which of the frame's shared textures it reads and writes.
import type { RvmRunner } from '../models/rvm/streams';
import type { Options, OutputType } from '../options';
import type { DepthInput, DepthStats, QualitySettings } from '../types/frame';
import type { FrameInput } from '../types/frameInput';
import type { Rect } from '../types/geometry';
import type { BaseNetwork, CoarseMask } from '../types/network';
import type { FrameTextures } from './frameTextures';
import type { LearnedModel } from './learnedModel';
import type { StandingSplit } from './standing';

/** The frame's shared textures and buffers, by their FrameTextures names, and the frame's plate and background images. */
export type FrameResource = Exclude<keyof FrameTextures, 'width' | 'height'> | 'input' | 'plate' | 'background' | 'depth';

/**
 * The base network's second mask of this frame (the first is always the whole frame's, in
 * FrameTextures.maskFull): over the person's region of interest (which may be the whole frame
 * again), or over the standing-speaker squares' union.
 */
export interface MaskRegion {
  kind: 'roi' | 'standing';
  /** The rectangle the mask covers, frame pixels; a GPU base network leaves it on the GPU, as a vec4f (x, y, width, height) buffer. */
  rect: Rect | GPUBuffer;
  /** Row-major float32 person confidence in 0..1, width × height texels (STORAGE buffer). */
  mask: GPUBuffer;
  /** The rectangle of the frame downsampled to the mask's size, rgba8unorm: the upsampling's guide. */
  guide: GPUTexture;
  width: number;
  height: number;
}

/**
 * Which matting stages a frame takes: none (no alpha needed), the segmentation prior and
 * classical matting, Robust Video Matting's alpha as the prior of the same classical matting
 * stages, or BackgroundMattingV2.
 */
export type MattingPath = 'none' | 'classic' | 'rvm' | 'bgmv2';

/** Whether a frame's matting refines a prior with the classical stages (the classic and RVM paths). */
export function refinesPrior(matting: MattingPath): boolean {
  return matting === 'classic' || matting === 'rvm';
}

/** What the pipeline fixes about a frame before its first stage. */
export interface FrameSetup {
  readonly device: GPUDevice;
  /** The input frame (borrowed: the pipeline's caller owns what it wraps). */
  readonly input: FrameInput;
  /** Counts the pipeline's frames from 0. */
  readonly index: number;
  /** The frame's shared textures; their size is the frame's. */
  readonly textures: FrameTextures;
  readonly options: Readonly<Options>;
  readonly quality: QualitySettings;
  readonly network: BaseNetwork;
  /**
   * The frame's plate at its size, rgba8unorm, or null without one: the user's captured plate,
   * or the background memory (started from the captured plate when there is one; texels it does
   * not know have a = 0; see plateSource).
   */
  readonly plate: GPUTexture | null;
  /** Where `plate` comes from: the captured plate, the background memory, or none. */
  readonly plateSource: 'captured' | 'memory' | null;
  /** Whether the background memory learns from this frame (options.backgroundMemory, classic matting). */
  readonly memoryLearns: boolean;
  /** Whether this frame shows the memory's `mem` view (options.view or a read-back): only then does its update write it. */
  readonly memoryViewed: boolean;
  /** The `image`-mode background (in `video` mode the video's last frame), rgba8unorm, any size (1×1 grey without one). */
  readonly background: GPUTexture;
  /** The frame's Azure Kinect depth, or null. */
  readonly depth: DepthInput | null;
  readonly matting: MattingPath;
  /** BackgroundMattingV2's model on this pipeline, when `matting` is 'bgmv2'. */
  readonly learned: LearnedModel | null;
  /** Robust Video Matting on this pipeline's device, when `matting` is 'rvm'. */
  readonly rvm: RvmRunner | null;
}

/**
 * One frame as the stages see it: its setup; `region`, `fullMask`, `standing` and `depthStats`,
 * written by the stages that produce them for the ones after; and its command encoder.
 */
export interface FrameState extends FrameSetup {
  /** Frame size in pixels. */
  readonly width: number;
  readonly height: number;
  /** The view the output stages render: options.view, or the read-back being made. */
  view: OutputType;
  /** The whole frame's mask on the CPU (tasks-vision), for the stages that place the next network runs. */
  fullMask: CoarseMask | null;
  /** The second mask (see MaskRegion), once a stage has made it. */
  region: MaskRegion | null;
  /** The standing-speaker split, when the frame was segmented as two squares. */
  standing: StandingSplit | null;
  /** What the frame's depth said, when the depth stage ran. */
  depthStats: DepthStats | null;
  /** The frame's open command encoder (one is created when none is open). */
  encoder(): GPUCommandEncoder;
  /** Submits the open encoder, if any: work a stage must have on the queue before it awaits (a network run) or reads back. */
  submit(): void;
  /** Runs `callback` after the frame's last submission (e.g. to map a buffer its commands copied into). */
  afterSubmit(callback: () => void): void;
}

/**
 * A step of the frame pipeline. Usage per frame: the pipeline runs every stage whose
 * `enabled(frame)` is true, in table order; `run` records GPU work into `frame.encoder()`
 * (returning nothing) or does work that must be awaited — a network run, a CPU step, an
 * import — and returns its promise. With stage timings on, the GPU time from the previous
 * timed stage's end to this one's is reported under `name`.
 */
export interface Stage {
  /** Its key in stats.stages. */
  readonly name: string;
  /** False for a stage too small to time on its own (its time counts towards the next stage's). */
  readonly timed: boolean;
  /** What it reads and writes of the frame (documentation, and the table's consistency test). */
  readonly reads: readonly FrameResource[];
  readonly writes: readonly FrameResource[];
  enabled(frame: FrameState): boolean;
  run(frame: FrameState): void | Promise<void>;
  /** Forgets what the stage kept from earlier frames (temporal history), after a size, plate or model change. */
  reset?(): void;
  /** Destroys every GPU resource the stage created. */
  dispose(): void;
}

/** A stage that renders the output: run again, with `frame.view` set, for each read-back of a view. */
export interface OutputStage extends Stage {
  readonly output: true;
}

/** True for stages that render the output texture (see OutputStage). */
export function isOutputStage(stage: Stage): stage is OutputStage {
  return (stage as Partial<OutputStage>).output === true;
}

/** What a pass's bind() returns, for a create function such as createDownsamplePass: `Binding<typeof createDownsamplePass>`. */
export type Binding<Create extends (...args: never[]) => { bind(...args: never[]): unknown }> = ReturnType<ReturnType<Create>['bind']>;
