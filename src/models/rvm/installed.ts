// Robust Video Matting as `npm run models:fetch -- rvm` installed it: its files read from the
// assets' models/ folder and checked against the hashes recorded at install.
import { assetUrl, type AssetLocation } from '../../assets';
import { ReplacerError } from '../../errors';
import { sha256Hex } from '../manifest';
import { checkRvmInterface, inspectGraphModel, type InstalledGraphModel } from './graph';

/** The command that installs the model, named in every error about it. */
export const RVM_INSTALL = 'npm run models:fetch -- rvm';

/** The installed graph, ready for RvmNetwork.create. */
export interface RvmInstalled {
  /** The graph JSON (model.json), parsed. */
  graph: unknown;
  /** Its weight files' bytes, concatenated in the order the JSON names them. */
  weights: ArrayBuffer;
  /** SPDX identifier of its licence (GPL-3.0). */
  licence: string;
}

/**
 * Loads Robust Video Matting from the assets' `models/installed.json` (entry `rvm`): the graph
 * JSON and its weight files, each checked against the sha256 recorded at install, and the graph
 * against RVM's interface.
 * @throws ReplacerError 'model-load' when it is not installed (naming {@link RVM_INSTALL}), a file
 *   is missing, or the graph is not RVM's; 'model-integrity' when a file's hash differs from the
 *   recorded one
 */
export async function loadInstalledRvm(assets: AssetLocation): Promise<RvmInstalled> {
  const listUrl = new URL(assetUrl(assets, 'models/installed.json'));
  const notInstalled = (why: string): ReplacerError =>
    new ReplacerError('model-load', `Robust Video Matting is not installed (${why}). Install it with \`${RVM_INSTALL}\` (the model is GPL-3.0 and not part of the default install).`);
  const response = await fetch(listUrl);
  if (!response.ok) throw notInstalled(`${listUrl.pathname}: HTTP ${response.status}`);
  let entry: InstalledGraphModel | undefined;
  try {
    const json = (await response.json()) as { version?: unknown; models?: unknown };
    if (json.version !== 1 || !Array.isArray(json.models)) throw new Error('expected { version: 1, models: [...] }');
    entry = (json.models as InstalledGraphModel[]).find((m) => m?.id === 'rvm' && m.format === 'tfjs-graph');
  } catch (err) {
    throw new ReplacerError('model-load', `${listUrl.pathname} is invalid: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (!entry) throw notInstalled(`${listUrl.pathname} lists no rvm entry`);
  const read = async (file: string, sha256: string): Promise<ArrayBuffer> => {
    if (typeof file !== 'string' || !/^[\w-]+\/[\w][\w.-]*$/.test(file)) throw new ReplacerError('model-load', `installed.json: bad file name ${JSON.stringify(file)}`);
    const r = await fetch(assetUrl(assets, `models/${file}`));
    if (!r.ok) throw notInstalled(`${file}: HTTP ${r.status}`);
    const bytes = await r.arrayBuffer();
    const actual = await sha256Hex(bytes);
    if (actual !== sha256) {
      throw new ReplacerError('model-integrity', `Model ${file} is corrupt or was replaced: sha256 ${actual.slice(0, 16)}… ≠ recorded ${String(sha256).slice(0, 16)}…. Reinstall it with \`${RVM_INSTALL}\`.`);
    }
    return bytes;
  };
  const graphBytes = await read(entry.file, entry.sha256);
  let graph: unknown;
  let names: string[];
  try {
    graph = JSON.parse(new TextDecoder().decode(graphBytes));
    const info = inspectGraphModel(graph);
    checkRvmInterface(info);
    names = info.weightFiles;
  } catch (err) {
    throw new ReplacerError('model-load', `${entry.file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  // In the order the graph names them (its weight specs run across the files in that order).
  const files = names.map((name) => (entry.weights ?? []).find((w) => w.file.endsWith(`/${name}`)) ?? null);
  const absent = names.filter((_, i) => files[i] === null);
  if (absent.length) throw notInstalled(`installed.json records no ${absent.join(', ')}`);
  const parts = await Promise.all(files.map((w) => read(w!.file, w!.sha256)));
  const weights = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    weights.set(new Uint8Array(p), offset);
    offset += p.byteLength;
  }
  return { graph, weights: weights.buffer, licence: entry.licence };
}
