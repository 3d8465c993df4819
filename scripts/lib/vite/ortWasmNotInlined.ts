// A Vite plugin shared by the library build (scripts/build-lib.ts) and the Node GPU bench's
// build (scripts/lib/gpuBench/build.ts).
import type { Plugin } from 'vite';

/**
 * onnxruntime-web names its wasm binary with `new URL('….wasm', import.meta.url)` as a fallback
 * for when `ort.env.wasm.wasmPaths` is not set; we always set it (src/models/ortRuntime.ts), and
 * a library build would otherwise inline the 20 MB binary as base64 (and a Node build copy it).
 * Hide the fallback from the bundler's asset handling; the runtime files come from the assets.
 */
export function ortWasmNotInlined(): Plugin {
  return {
    name: 'bg-replacer-ort-wasm-not-inlined',
    enforce: 'pre',
    transform(code, id) {
      if (!id.includes('onnxruntime-web')) return null;
      const out = code.replace(/new URL\((["'][^"']+\.wasm["']),\s*import\.meta\.url\)/g, 'new URL($1, "" + import.meta.url)');
      return out === code ? null : { code: out, map: null };
    },
  };
}
