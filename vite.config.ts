import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/**
 * Content-Security-Policy for every page the app serves: scripts, workers, models and
 * wasm come from our own origin only, and the page may connect to nothing else.
 * 'wasm-unsafe-eval' is needed to compile the tasks-vision runtime.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob: mediastream:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
].join('; ');

export default defineConfig({
  server: {
    headers: { 'Content-Security-Policy': CONTENT_SECURITY_POLICY },
  },
  preview: {
    headers: { 'Content-Security-Policy': CONTENT_SECURITY_POLICY },
  },
  worker: { format: 'es' },
  // Scan every page (the app, replay and the GPU test harnesses) at start-up, so the
  // dependency pre-bundle is complete before the first page loads: a dependency found later
  // re-optimises and fails the pages already open with "504 Outdated Optimize Dep".
  optimizeDeps: {
    entries: ['index.html', 'replay.html', 'test/gpu/*.html'],
    include: ['onnxruntime-web/webgpu', 'onnx-proto', 'comlink', 'lit', '@mediapipe/tasks-vision'],
  },
  build: {
    target: 'es2022',
    rollupOptions: {
      input: {
        main: resolve(import.meta.dirname, 'index.html'),
        replay: resolve(import.meta.dirname, 'replay.html'),
      },
    },
  },
});
