import * as Comlink from 'comlink';
import type { AssetLocation } from '../assets';
import { createSegmenterWorker } from './segmenterWorker';
import type { CpuBaseNetwork, CoarseMask } from '../types/network';
import type { SegmenterWorkerApi } from './segmenter.worker';

/**
 * The `tasks-vision` base network as the engine uses it: a proxy to the segmenter worker.
 * Owns that worker and terminates it on close().
 */
export class TasksVisionBackend implements CpuBaseNetwork {
  readonly kind = 'cpu' as const;

  private constructor(
    private readonly worker: Worker,
    private readonly remote: Comlink.Remote<SegmenterWorkerApi>,
    readonly width: number,
    readonly height: number,
  ) {}

  /**
   * Starts the segmenter worker and loads the verified model.
   * @throws ReplacerError 'model-integrity' | 'model-load'
   */
  static async create(assets: AssetLocation): Promise<TasksVisionBackend> {
    const worker = createSegmenterWorker(assets);
    const remote = Comlink.wrap<SegmenterWorkerApi>(worker);
    try {
      const { width, height } = await remote.init(assets);
      return new TasksVisionBackend(worker, remote, width, height);
    } catch (err) {
      worker.terminate();
      throw err;
    }
  }

  segment(image: ImageBitmap): Promise<CoarseMask> {
    return this.remote.segment(Comlink.transfer(image, [image]));
  }

  close(): void {
    this.remote[Comlink.releaseProxy]();
    this.worker.terminate();
  }
}
