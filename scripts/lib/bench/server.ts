// The bench's web server: the app's Vite dev server (same config, so the same CSP: every
// script, worker, model and wasm from this origin) plus the /__bench/… routes that serve the
// bench page its frames, images and Twilio's assets, and collect the outputs it posts back.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { createServer, type Plugin, type ViteDevServer } from 'vite';
import type { FramePayload } from '../frames';
import { ROOT } from '../replayServer';
import { BENCH_ROUTES } from './protocol';

/** Twilio's browser build: the processors, their pipeline workers, the TFLite runtime and model. */
const TWILIO_ASSETS_DIR = resolve(ROOT, 'node_modules/@twilio/video-processors/dist/build');

/** The files of TWILIO_ASSETS_DIR the bench serves, with their content types. */
const TWILIO_ASSETS: Record<string, string> = {
  'twilio-video-processors.js': 'text/javascript',
  'twilio-gaussian-blur-background-processor-pipeline-worker.js': 'text/javascript',
  'twilio-virtual-background-processor-pipeline-worker.js': 'text/javascript',
  'tflite-1-0-0.js': 'text/javascript',
  'tflite-1-0-0.wasm': 'application/wasm',
  'tflite-simd-1-0-0.js': 'text/javascript',
  'tflite-simd-1-0-0.wasm': 'application/wasm',
  'selfie_segmentation_landscape.tflite': 'application/octet-stream',
};

/** A frame sequence the page can fetch frame by frame. */
export interface ServedSequence {
  count: number;
  frame(index: number): FramePayload;
}

/** An output the page posted: its key (the route's tail) and body. */
export interface BenchOutput {
  key: string;
  data: Buffer;
  headers: Record<string, string>;
}

/** The running server. */
export interface BenchServer {
  /** Base URL, ending in '/'. */
  url: string;
  /** Serves `sequence` under `id` (replacing one of the same id). */
  addSequence(id: string, sequence: ServedSequence): void;
  /** Serves an encoded image under `name`. */
  addImage(name: string, image: { mime: string; data: Buffer }): void;
  /** Receives every output the page posts (one listener; a throw answers the page with 500). */
  onOutput(listener: (output: BenchOutput) => void): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((done, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => done(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

interface Routes {
  sequences: Map<string, ServedSequence>;
  images: Map<string, { mime: string; data: Buffer }>;
  output: ((o: BenchOutput) => void) | null;
}

function benchPlugin(routes: Routes): Plugin {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = (req.url ?? '').split('?')[0]!;
    if (!url.startsWith(BENCH_ROUTES.base)) return false;
    const send = (status: number, body: string | Uint8Array, headers: Record<string, string> = {}): true => {
      res.writeHead(status, headers);
      res.end(body);
      return true;
    };
    const [kind = '', ...rest] = url.slice(BENCH_ROUTES.base.length).split('/');
    if (kind === 'twilio' && rest.length === 1) {
      const type = TWILIO_ASSETS[rest[0]!];
      if (!type) return send(404, 'not a Twilio asset');
      return send(200, readFileSync(resolve(TWILIO_ASSETS_DIR, rest[0]!)), { 'content-type': type });
    }
    if (kind === 'frame' && rest.length === 2) {
      const sequence = routes.sequences.get(decodeURIComponent(rest[0]!));
      const index = Number(rest[1]);
      if (!sequence) return send(404, 'unknown sequence');
      if (!Number.isInteger(index) || index < 0 || index >= sequence.count) return send(404, 'no such frame');
      const f = sequence.frame(index);
      if (f.kind === 'image') return send(200, f.data, { 'content-type': f.mime, 'x-kind': 'image' });
      return send(200, f.data, { 'content-type': 'application/octet-stream', 'x-kind': 'i420', 'x-width': String(f.width), 'x-height': String(f.height), 'x-range': f.range });
    }
    if (kind === 'image' && rest.length === 1) {
      const image = routes.images.get(decodeURIComponent(rest[0]!));
      return image ? send(200, image.data, { 'content-type': image.mime }) : send(404, 'unknown image');
    }
    if (kind === 'output' && req.method === 'POST' && rest.length >= 1) {
      const data = await readBody(req);
      if (!routes.output) return send(500, 'nobody listens for outputs');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (k.startsWith('x-') && typeof v === 'string') headers[k] = v;
      routes.output({ key: rest.map(decodeURIComponent).join('/'), data, headers });
      return send(204, '');
    }
    return send(404, 'unknown bench route');
  };
  return {
    name: 'bg-replacer-bench',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        handle(req, res).then(
          (handled) => {
            if (!handled) next();
          },
          (err: unknown) => {
            res.writeHead(500);
            res.end(err instanceof Error ? err.message : String(err));
          },
        );
      });
    },
  };
}

/**
 * Starts the dev server (the app's vite.config.ts: same CSP, same worker format) on a free
 * loopback port. Its dependency pre-bundle lives in its own cache folder
 * (node_modules/.vite-bench), so starting it does not rewrite the pre-bundle of another dev
 * server running from this checkout.
 * @throws Error when the server cannot listen
 */
export async function startBenchServer(): Promise<BenchServer> {
  const routes: Routes = { sequences: new Map(), images: new Map(), output: null };
  const server: ViteDevServer = await createServer({
    root: ROOT,
    configFile: resolve(ROOT, 'vite.config.ts'),
    cacheDir: resolve(ROOT, 'node_modules/.vite-bench'),
    logLevel: 'error',
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
    optimizeDeps: { entries: ['test/bench/*.html'] },
    plugins: [benchPlugin(routes)],
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') {
    await server.close();
    throw new Error('the bench server did not get a port');
  }
  return {
    url: `http://127.0.0.1:${address.port}/`,
    addSequence: (id, sequence) => void routes.sequences.set(id, sequence),
    addImage: (name, image) => void routes.images.set(name, image),
    onOutput: (listener) => void (routes.output = listener),
    close: () => server.close(),
  };
}
