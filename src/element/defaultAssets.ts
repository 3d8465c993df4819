// Where the app finds its assets when the embedder gives no `assetsPath`: under the app's base URL
// (public/ at development time). The library build replaces this module with
// src/lib/defaultAssets.ts (vite.lib.config.ts): the assets beside the built module.
import type { AssetLocation } from '../assets';

/** The app's assets: models/, ort/ and tasks-vision/ under Vite's base URL. */
export function defaultAssets(): AssetLocation {
  return { base: new URL(import.meta.env.BASE_URL, location.href).href, files: {} };
}

/** The app bundles its worker scripts: there is no script among the assets to check. */
export const ENGINE_WORKER_ASSET: string | null = null;
