// For the download tests (`npm run models:fetch`): a local HTTP server that answers each path
// with the bytes a lookup gives, or 404; and the FetchError a failed fetch must end with.
import { createServer } from 'node:http';
import { expect } from 'vitest';
import { FetchError } from '../../scripts/lib/modelFiles';

/** A running server: its base URL (no trailing slash) and how to stop it. */
export interface FileServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `lookup(path)` (the request path, percent-decoded) on 127.0.0.1 at a free port. */
export async function serveFiles(lookup: (path: string) => Uint8Array | undefined): Promise<FileServer> {
  const server = createServer((req, res) => {
    const body = lookup(decodeURIComponent(req.url ?? ''));
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/octet-stream' });
    res.end(body ?? 'not found');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** The FetchError `p` rejects with; fails the test when it resolves or rejects with another error. */
export async function fetchError(p: Promise<unknown>): Promise<FetchError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(FetchError);
    return err as FetchError;
  }
  throw new Error('expected a FetchError, nothing was thrown');
}
