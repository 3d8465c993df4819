// Serves the app (Vite dev server, same config as `npm start`) plus the /__replay/<job>/…
// routes that feed frames to replay.html?job=<job> and collect its outputs. One server can
// hold several jobs; each job's routes are live from addJob to removeJob.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type Plugin, type ViteDevServer } from 'vite';
import type { ReadbackType } from '../../src/options';
import type { ReplayJob, ReplayReport } from '../../src/replay/jobProtocol';
import type { NodeFrameSource } from './frames';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A decoded output the page posted. */
export interface PostedOutput {
  type: ReadbackType;
  index: number;
  width: number;
  height: number;
  channels: 1 | 4;
  data: Buffer;
}

/** An encoded image served to the page (background, plate). */
export interface ServedImage {
  mime: string;
  data: Buffer;
}

/** One job's data and the callbacks through which the command sees the page's progress. */
export interface ReplayHandlers {
  job: ReplayJob;
  source: NodeFrameSource;
  background: ServedImage | null;
  /** The background video's frames (`video` mode), or null. */
  backgroundVideo: NodeFrameSource | null;
  plate: ServedImage | null;
  /** May throw: the error is reported through onError. */
  onOutput(output: PostedOutput): void;
  onDone(report: ReplayReport): void;
  onError(error: { message: string; code?: string }): void;
}

/** The running server. */
export interface ReplayServer {
  server: ViteDevServer;
  /** Base URL, ending in '/'. */
  url: string;
  /** Makes the job's routes live. @throws Error when the id is already in use */
  addJob(id: string, handlers: ReplayHandlers): void;
  removeJob(id: string): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolveBody(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function replayPlugin(jobs: Map<string, ReplayHandlers>): Plugin {
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = req.url ?? '';
    if (!url.startsWith('/__replay/')) return false;
    const send = (status: number, body: string | Uint8Array, headers: Record<string, string> = {}): void => {
      res.writeHead(status, headers);
      res.end(body);
    };
    const [id = '', ...parts] = url.slice('/__replay/'.length).split('/');
    const h = jobs.get(id);
    if (!h) {
      send(404, 'unknown replay job');
      return true;
    }
    const path = parts.join('/');
    try {
      if (path === 'job') {
        send(200, JSON.stringify(h.job), { 'content-type': 'application/json' });
      } else if (path === 'background' && h.background) {
        send(200, h.background.data, { 'content-type': h.background.mime });
      } else if (path === 'recording' && h.source.kinectRecording) {
        send(200, h.source.kinectRecording, { 'content-type': 'video/x-matroska' });
      } else if (path === 'plate' && h.plate) {
        send(200, h.plate.data, { 'content-type': h.plate.mime });
      } else if ((parts[0] === 'frame' || (parts[0] === 'background-frame' && h.backgroundVideo)) && parts.length === 2) {
        const source = parts[0] === 'frame' ? h.source : h.backgroundVideo!;
        const index = Number(parts[1]);
        if (!Number.isInteger(index) || index < 0 || index >= source.count) return send(404, 'no such frame'), true;
        const f = source.frame(index);
        if (f.kind === 'i420') {
          send(200, f.data, { 'content-type': 'application/octet-stream', 'x-kind': 'i420', 'x-width': String(f.width), 'x-height': String(f.height), 'x-range': f.range });
        } else {
          send(200, f.data, { 'content-type': f.mime, 'x-kind': 'image' });
        }
      } else if (parts[0] === 'output' && parts.length === 3) {
        const data = await readBody(req);
        h.onOutput({
          type: parts[1] as ReadbackType,
          index: Number(parts[2]),
          width: Number(req.headers['x-width']),
          height: Number(req.headers['x-height']),
          channels: Number(req.headers['x-channels']) === 1 ? 1 : 4,
          data,
        });
        send(204, '');
      } else if (path === 'done') {
        h.onDone(JSON.parse((await readBody(req)).toString('utf8')) as ReplayReport);
        send(204, '');
      } else if (path === 'error') {
        h.onError(JSON.parse((await readBody(req)).toString('utf8')) as { message: string; code?: string });
        send(204, '');
      } else {
        send(404, 'unknown replay route');
      }
    } catch (err) {
      h.onError({ message: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) send(500, String(err));
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
            res.writeHead(500);
            res.end(String(err));
          });
      });
    },
  };
}

/** Starts the dev server on a free loopback port, with no job yet. */
export async function startReplayServer(): Promise<ReplayServer> {
  const jobs = new Map<string, ReplayHandlers>();
  const server = await createServer({
    root: ROOT,
    configFile: resolve(ROOT, 'vite.config.ts'),
    logLevel: 'error',
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
    plugins: [replayPlugin(jobs)],
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') {
    await server.close();
    throw new Error('replay server did not get a port');
  }
  return {
    server,
    url: `http://127.0.0.1:${address.port}/`,
    addJob(id, handlers) {
      if (jobs.has(id)) throw new Error(`replay job ${id} already exists`);
      jobs.set(id, handlers);
    },
    removeJob(id) {
      jobs.delete(id);
    },
    close: () => server.close(),
  };
}
