// The library build's segmenter worker (replaces src/models/segmenterWorker.ts there): the script
// is dist/assets/workers/segmenter.worker.js, found with the other assets.
import { assetUrl, type AssetLocation } from '../assets';

/**
 * Starts the tasks-vision segmenter worker from the assets.
 * @param assets where the assets are served
 */
export function createSegmenterWorker(assets: AssetLocation): Worker {
  return new Worker(assetUrl(assets, 'workers/segmenter.worker.js'), { type: 'module', name: 'segmenter' });
}
