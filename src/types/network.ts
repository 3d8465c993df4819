// The base network as the pipeline sees it: the segmentation backends (src/models/) implement
// these interfaces, the pipeline's stages call them.

/** Base-resolution person confidence from a segmentation network. */
export interface CoarseMask {
  width: number;
  height: number;
  /** [height, width] float32 person confidence in 0..1, row-major. */
  pha: Float32Array<ArrayBuffer>;
}

/**
 * A base network that runs on the CPU side (tasks-vision): an image at its input size in,
 * a mask in CPU memory out, uploaded by the pipeline.
 */
export interface CpuBaseNetwork {
  readonly kind: 'cpu';
  /** Input width in pixels. */
  readonly width: number;
  /** Input height in pixels. */
  readonly height: number;
  /** Segments an image of exactly width×height; takes ownership of (and closes) the bitmap. */
  segment(image: ImageBitmap): Promise<CoarseMask>;
  close(): void;
}

/**
 * A base network on the pipeline's GPU device (onnx-webgpu): the pipeline writes `input`
 * ([1,3,H,W] float32 RGB in 0..1), run(output) queues the graph writing its [1,1,H,W]
 * float32 person confidence (0..1) straight into `output`, a buffer the next passes read.
 * Nothing crosses to the CPU.
 */
export interface GpuBaseNetwork {
  readonly kind: 'gpu';
  readonly width: number;
  readonly height: number;
  readonly input: GPUBuffer;
  run(output: GPUBuffer): Promise<void>;
  close(): Promise<void>;
}

/** A base network as the pipeline sees it. */
export type BaseNetwork = CpuBaseNetwork | GpuBaseNetwork;

/**
 * BackgroundMattingV2's base network (MattingBase) on the pipeline's GPU device, at a fixed base
 * size width × height (the frame at the base scale, ¼): the pipeline writes `src` and `bgr`
 * ([1,3,h,w] float32 RGB in 0..1, NCHW); run() queues the network, which writes `pha` [1,1,h,w]
 * in 0..1, `fgr` [1,3,h,w], `err` [1,1,h,w] in 0..1 and `hid` [1,32,h,w] (all float32 STORAGE
 * buffers, owned by the network). src/models/bgmv2/base.ts runs a real export with
 * onnxruntime-web.
 */
export interface Bgmv2BaseNetwork {
  readonly width: number;
  readonly height: number;
  readonly src: GPUBuffer;
  readonly bgr: GPUBuffer;
  readonly pha: GPUBuffer;
  readonly fgr: GPUBuffer;
  readonly err: GPUBuffer;
  readonly hid: GPUBuffer;
  /** Queues the network on what src and bgr hold (after the caller's submitted work). */
  run(): Promise<void>;
}
