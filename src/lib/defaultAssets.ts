// The library build's default assets (replaces src/element/defaultAssets.ts there): the files in
// dist/assets/, as listed by dist/assets.js. That module, written by scripts/build-lib.mjs, names
// every file as a literal `new URL('./assets/…', import.meta.url)`, so an app's bundler that
// understands that pattern (Vite, webpack 5, Parcel) copies them into its own build; served
// unbundled, they are found beside the module.
import type { AssetLocation } from '../assets';
// @ts-expect-error dist/assets.js exists in the built package only (an external of the library build)
import { ASSET_BASE, ASSET_URLS } from './assets.js';

/** The assets beside the built module (or an app bundler's copies of them). */
export function defaultAssets(): AssetLocation {
  return { base: ASSET_BASE as string, files: ASSET_URLS as Record<string, string> };
}

/** The engine's worker script, among the assets: createBackgroundReplacer checks that it is served. */
export const ENGINE_WORKER_ASSET: string | null = 'workers/engine.worker.js';
