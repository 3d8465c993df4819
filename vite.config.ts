import { resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

/**
 * Content-Security-Policy for every page the app serves: scripts, workers, models and
 * wasm come from our own origin only, and the page may connect to nothing else but a
 * WebSocket on this machine's loopback (the Azure Kinect bridge, docs/kinect-bridge.md).
 * 'wasm-unsafe-eval' is needed to compile the tasks-vision runtime.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self' ws://127.0.0.1:* ws://localhost:*",
  "img-src 'self' blob: data:",
  "media-src 'self' blob: mediastream:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
].join('; ');

/** The built app carries the policy itself (a static host may send no header): a <meta> tag. */
function cspMetaTag(): Plugin {
  return {
    name: 'bg-replacer-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' }],
  };
}

export default defineConfig({
  plugins: [cspMetaTag()],
  server: {
    headers: { 'Content-Security-Policy': CONTENT_SECURITY_POLICY },
  },
  preview: {
    headers: { 'Content-Security-Policy': CONTENT_SECURITY_POLICY },
  },
  worker: { format: 'es' },
  // ts-ebml (the Kinect MKV demuxer's EBML reader) loads the `ebml` package, whose "browser"
  // field points at an IIFE build that exports nothing: use its CommonJS build.
  // `bg-replacer`, `bg-replacer/element`, `/livekit`, `/twilio`: the package's own entries, as an
  // app that installed it imports them (the README's snippets and the test pages do), from src/.
  resolve: {
    alias: [
      { find: 'ebml', replacement: 'ebml/lib/ebml.js' },
      { find: /^bg-replacer$/, replacement: resolve(import.meta.dirname, 'src/index.ts') },
      { find: /^bg-replacer\/(element|livekit|twilio)$/, replacement: resolve(import.meta.dirname, 'src/entries/$1.ts') },
    ],
  },
  // Scan every page (the app, replay and the test harnesses) at start-up, so the
  // dependency pre-bundle is complete before the first page loads: a dependency found later
  // re-optimises and fails the pages already open with "504 Outdated Optimize Dep".
  optimizeDeps: {
    entries: ['index.html', 'replay.html', 'test/gpu/*.html', 'test/kinect/*.html', 'test/pages/*.html'],
    include: ['onnxruntime-web/webgpu', 'onnx-proto', 'comlink', 'lit', '@mediapipe/tasks-vision', 'ts-ebml', 'buffer', 'livekit-client', 'twilio-video'],
  },
  build: {
    // dist/ holds the library build (npm run build:lib); the demo app builds beside it.
    outDir: 'dist-app',
    target: 'es2022',
    rollupOptions: {
      input: {
        main: resolve(import.meta.dirname, 'index.html'),
        replay: resolve(import.meta.dirname, 'replay.html'),
      },
    },
  },
});
