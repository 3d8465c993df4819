// The engine worker's script, as the app (Vite) bundles it. The library build replaces this
// module with src/lib/engineWorker.ts (vite.lib.config.ts), which loads the script from the assets.
import type { AssetLocation } from '../assets';

/**
 * Starts the engine worker (src/worker/engine.worker.ts) as a module worker.
 * @param _assets unused here: the app's bundler places the script
 */
export function createEngineWorker(_assets: AssetLocation): Worker {
  return new Worker(new URL('../worker/engine.worker.ts', import.meta.url), { type: 'module', name: 'engine' });
}
