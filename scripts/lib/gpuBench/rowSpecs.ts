// The rows of the Node GPU bench: which configurations of the pipeline it times (no GPU code
// here: the tests and the report read these without a WebGPU).
import type { Options } from '../../../src/options';

/** The rows, in table order. */
export const ROW_IDS = ['blur', 'memory', 'image', 'plate', 'plate-full', 'bgmv2', 'rvm-alone', 'rvm', 'base-network'] as const;
export type RowId = (typeof ROW_IDS)[number];

/** One configuration of the pipeline. */
export interface RowSpec {
  id: RowId;
  /** Its column head in the printed table. */
  label: string;
  /** What it is, for the JSON and the README. */
  description: string;
  options: Partial<Options>;
  plate: boolean;
  background: boolean;
  /** The base network: the recorded masks replayed on the GPU, or the real network on the device. */
  network: 'recorded' | 'onnx-webgpu';
  /** BGMv2's learned refiner (random weights) on its base network's stand-in. */
  learned: boolean;
  /** Robust Video Matting on the device as the prior (matting 'rvm'; the user-installed model, GPL-3.0: not measured without it). */
  rvm: boolean;
}

/**
 * Options every row shares: fixed quality (no adaptation), GPU time per stage, and no
 * background memory (it would turn into the plate over the repeated frame and change the rows)
 * except in the memory row, which measures just that.
 */
export const COMMON: Partial<Options> = { targetFps: 0, stageTimings: true, backgroundMemory: false, renderer: 'webgpu' };

export const ROWS: readonly RowSpec[] = [
  {
    id: 'blur',
    label: 'blur',
    description: 'blur (medium), no plate: segmentation prior (recorded masks), classic refiner, blur, composite',
    options: { mode: 'blur', blurStrength: 'medium' },
    plate: false,
    background: false,
    network: 'recorded',
    learned: false,
    rvm: false,
  },
  {
    id: 'memory',
    label: 'memory',
    description:
      'blur with the background memory on (the live default), no plate: over the repeated frame the memory learns the background; once it knows enough it is the plate (memory update, plate statistics, overrule, the refiner with it). Whether it was in use by the last timed frame is reported',
    options: { mode: 'blur', blurStrength: 'medium', backgroundMemory: true },
    plate: false,
    background: false,
    network: 'recorded',
    learned: false,
    rvm: false,
  },
  {
    id: 'image',
    label: 'image',
    description: 'image background with light wrap (0.3), no plate (recorded masks)',
    options: { mode: 'image' },
    plate: false,
    background: true,
    network: 'recorded',
    learned: false,
    rvm: false,
  },
  {
    id: 'plate',
    label: 'plate',
    description: 'plate matting: the classic refiner with the captured plate, sparse (sampling, budget 15 %), image background',
    options: { mode: 'image', refineMode: 'sampling' },
    plate: true,
    background: true,
    network: 'recorded',
    learned: false,
    rvm: false,
  },
  {
    id: 'plate-full',
    label: 'plate full',
    description: 'plate matting with refineMode full: every tile refined (the denominator of sparse / full)',
    options: { mode: 'image', refineMode: 'full' },
    plate: true,
    background: true,
    network: 'recorded',
    learned: false,
    rvm: false,
  },
  {
    id: 'bgmv2',
    label: 'bgmv2',
    description:
      "BGMv2's learned refiner (random weights, the real shapes) on the tiles selected from its base network's err; the base network is a stand-in whose outputs come from the recorded mask (bgmv2-base times only its input preparation)",
    options: { mode: 'image', matting: 'bgmv2', refineMode: 'sampling' },
    plate: true,
    background: true,
    network: 'recorded',
    learned: true,
    rvm: false,
  },
  {
    id: 'rvm-alone',
    label: 'rvm alone',
    description:
      "Robust Video Matting on the device (TensorFlow.js's WebGPU backend) at its two scales, fused and upsampled, with nothing of ours on top (refineBudget 0, temporalSmoothing 0), image background; needs the user-installed model",
    options: { mode: 'image', matting: 'rvm', refineBudget: 0, temporalSmoothing: 0 },
    plate: false,
    background: true,
    network: 'recorded',
    learned: false,
    rvm: true,
  },
  {
    id: 'rvm',
    label: 'rvm+ours',
    description: "Robust Video Matting as the prior of our stages (matting 'rvm': error map, refiner where the background is known, temporal smoothing), image background; needs the user-installed model",
    options: { mode: 'image', matting: 'rvm' },
    plate: false,
    background: true,
    network: 'recorded',
    learned: false,
    rvm: true,
  },
  {
    id: 'base-network',
    label: 'base net',
    description: 'blur with the base network run on the device by onnxruntime-web (WebGPU execution provider) in every frame: segment + roi are its three runs',
    options: { mode: 'blur', blurStrength: 'medium' },
    plate: false,
    background: false,
    network: 'onnx-webgpu',
    learned: false,
    rvm: false,
  },
];
