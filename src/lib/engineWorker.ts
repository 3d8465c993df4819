// The library build's engine worker (replaces src/element/engineWorker.ts there): the script is
// dist/assets/workers/engine.worker.js, a self-contained ES module, found with the other assets.
import { assetUrl, type AssetLocation } from '../assets';

/**
 * Starts the engine worker from the assets (same origin as the page: a browser runs no
 * cross-origin worker script).
 * @param assets where the assets are served
 */
export function createEngineWorker(assets: AssetLocation): Worker {
  return new Worker(assetUrl(assets, 'workers/engine.worker.js'), { type: 'module', name: 'engine' });
}
