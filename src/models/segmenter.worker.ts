/// <reference lib="webworker" />
// The tasks-vision segmenter in a worker of its own (see TasksVisionSegmenter), driven by
// the engine worker through Comlink.
import * as Comlink from 'comlink';
import type { AssetLocation } from '../assets';
import { installErrorTransfer } from '../errorTransfer';
import type { CoarseMask } from '../types/network';
import { TasksVisionSegmenter } from './tasksVision';

/** The API this worker exposes. */
export interface SegmenterWorkerApi {
  /** Loads and verifies the model. @returns the model input size */
  init(assets: AssetLocation): Promise<{ width: number; height: number }>;
  /** Segments a bitmap of the model's input size; the bitmap is closed. */
  segment(image: ImageBitmap): Promise<CoarseMask>;
  close(): void;
}

installErrorTransfer();
let segmenter: TasksVisionSegmenter | null = null;

const api: SegmenterWorkerApi = {
  async init(assets) {
    segmenter = await TasksVisionSegmenter.create(assets);
    return { width: segmenter.width, height: segmenter.height };
  },
  async segment(image) {
    try {
      if (!segmenter) throw new Error('segmenter worker: init() was not called');
      const mask = segmenter.segment(image);
      return Comlink.transfer(mask, [mask.pha.buffer]);
    } finally {
      image.close();
    }
  },
  close() {
    segmenter?.close();
    segmenter = null;
  },
};

Comlink.expose(api);
