// Serves the app (Vite dev server, same config as `npm start`) plus the /__replay routes
// that feed frames to replay.html and collect its outputs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type Plugin, type ViteDevServer } from 'vite';
import type { OutputType } from '../../src/options';
import type { ReplayJob, ReplayReport } from '../../src/replay/jobProtocol';
import type { NodeFrameSource } from './frames';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A decoded output the page posted. */
export interface PostedOutput {
  type: OutputType;
  index: number;
  width: number;
  height: number;
  channels: 1 | 4;
  data: Buffer;
}

/** Callbacks through which the command sees the page's progress. */
export interface ReplayHandlers {
  job: ReplayJob;
  source: NodeFrameSource;
  background: { mime: string; data: Buffer } | null;
  plate: { mime: string; data: Buffer } | null;
  onOutput(output: PostedOutput): void;
  onDone(report: ReplayReport): void;
  onError(error: { message: string; code?: string }): void;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolveBody(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function replayPlugin(h: ReplayHandlers): Plugin {
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = req.url ?? '';
    if (!url.startsWith('/__replay/')) return false;
    const send = (status: number, body: string | Uint8Array, headers: Record<string, string> = {}): void => {
      res.writeHead(status, headers);
      res.end(body);
    };
    if (url === '/__replay/job') {
      send(200, JSON.stringify(h.job), { 'content-type': 'application/json' });
    } else if (url === '/__replay/background' && h.background) {
      send(200, h.background.data, { 'content-type': h.background.mime });
    } else if (url === '/__replay/plate' && h.plate) {
      send(200, h.plate.data, { 'content-type': h.plate.mime });
    } else if (url.startsWith('/__replay/frame/')) {
      const index = Number(url.slice('/__replay/frame/'.length));
      if (!Number.isInteger(index) || index < 0 || index >= h.source.count) return send(404, 'no such frame'), true;
      const f = h.source.frame(index);
      if (f.kind === 'i420') {
        send(200, f.data, { 'content-type': 'application/octet-stream', 'x-kind': 'i420', 'x-width': String(f.width), 'x-height': String(f.height), 'x-range': f.range });
      } else {
        send(200, f.data, { 'content-type': f.mime, 'x-kind': 'image' });
      }
    } else if (url.startsWith('/__replay/output/')) {
      const [type, index] = url.slice('/__replay/output/'.length).split('/');
      const data = await readBody(req);
      h.onOutput({
        type: type as OutputType,
        index: Number(index),
        width: Number(req.headers['x-width']),
        height: Number(req.headers['x-height']),
        channels: Number(req.headers['x-channels']) === 1 ? 1 : 4,
        data,
      });
      send(204, '');
    } else if (url === '/__replay/done') {
      h.onDone(JSON.parse((await readBody(req)).toString('utf8')) as ReplayReport);
      send(204, '');
    } else if (url === '/__replay/error') {
      h.onError(JSON.parse((await readBody(req)).toString('utf8')) as { message: string; code?: string });
      send(204, '');
    } else {
      send(404, 'unknown replay route');
    }
    return true;
  };
  return {
    name: 'bg-replacer-replay',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        route(req, res)
          .then((handled) => {
            if (!handled) next();
          })
          .catch((err: unknown) => {
            h.onError({ message: `replay server: ${err instanceof Error ? err.message : String(err)}` });
            res.writeHead(500);
            res.end(String(err));
          });
      });
    },
  };
}

/** Starts the dev server on a free loopback port. */
export async function startReplayServer(handlers: ReplayHandlers): Promise<{ server: ViteDevServer; url: string }> {
  const server = await createServer({
    root: ROOT,
    configFile: resolve(ROOT, 'vite.config.ts'),
    logLevel: 'error',
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
    plugins: [replayPlugin(handlers)],
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('replay server did not get a port');
  return { server, url: `http://127.0.0.1:${address.port}/` };
}
