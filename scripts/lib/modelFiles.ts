// What the optional-model installers (scripts/models-fetch.ts, scripts/lib/graphFetch.ts) share:
// their error type, hashing, downloading and the installed-model list.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InstalledModel } from '../../src/models/bgmv2/installed';
import type { InstalledGraphModel } from '../../src/models/rvm/graph';

/** A failure with the exit code `npm run models:fetch` ends with (1: download or check failed; 2: usage or refusal). */
export class FetchError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
    this.name = 'FetchError';
  }
}

/** 64 lower-case hex digits: a sha256 as the lists write it. */
export const HEX64 = /^[0-9a-f]{64}$/;

/** Lower-case hex sha256 of `bytes`. */
export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The bytes at `url` (https:, http: or file:).
 * @throws Error on another protocol, an HTTP error status or an unreadable file
 */
export async function download(url: string): Promise<Uint8Array> {
  const parsed = new URL(url);
  if (parsed.protocol === 'file:') return new Uint8Array(readFileSync(fileURLToPath(parsed)));
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error(`unsupported protocol ${parsed.protocol}`);
  const response = await fetch(parsed, { redirect: 'follow' });
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** One entry of OUT/installed.json. */
export type InstalledEntry = InstalledModel | InstalledGraphModel;

/**
 * The models OUT/installed.json lists ({ version: 1, models: [...] }), [] when there is none.
 * @throws FetchError (exit 1) when the file is not valid JSON
 */
export function readInstalled(outDir: string): InstalledEntry[] {
  const path = join(outDir, 'installed.json');
  if (!existsSync(path)) return [];
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { models?: InstalledEntry[] }).models ?? [];
  } catch (err) {
    throw new FetchError(`${path} is not valid JSON (${err instanceof Error ? err.message : String(err)}); delete it and fetch the models again.`, 1);
  }
}

/**
 * Records an installed model in OUT/installed.json, replacing an entry with the same id: the
 * list the engine reads (src/models/bgmv2/installed.ts) and checks each file's sha256 against.
 */
export function recordInstalled(outDir: string, model: InstalledEntry): void {
  const models = [...readInstalled(outDir).filter((m) => m.id !== model.id), model];
  writeFileSync(join(outDir, 'installed.json'), `${JSON.stringify({ version: 1, models }, null, 2)}\n`);
}
