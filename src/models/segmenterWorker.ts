// The tasks-vision segmenter worker's script, as the app (Vite) bundles it. The library build
// replaces this module with src/lib/segmenterWorker.ts (vite.lib.config.ts).
import type { AssetLocation } from '../assets';

/**
 * Starts the segmenter worker (src/models/segmenter.worker.ts) as a module worker.
 * @param _assets unused here: the app's bundler places the script
 */
export function createSegmenterWorker(_assets: AssetLocation): Worker {
  return new Worker(new URL('./segmenter.worker.ts', import.meta.url), { type: 'module', name: 'segmenter' });
}
