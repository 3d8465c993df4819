import { assetUrl, type AssetLocation } from '../../assets';
import { ModelIntegrityError, ReplacerError } from '../../errors';
import { sha256Hex } from '../manifest';
import { type Bgmv2Interface, loadBgmv2Base } from './loader';
import { readRefinerWeights } from './refinerWeights';
import type { RefinerWeights } from '../../types/refiner';

/** One model `npm run models:fetch` installed (public/models/installed.json). */
export interface InstalledModel {
  id: string;
  file: string;
  /** Lower-case hex sha256 the download was verified against. */
  sha256: string;
  interface: Bgmv2Interface;
}

/** A BGMv2 model ready for the pipeline: the base network's bytes and the refiner's weights. */
export interface Bgmv2Installed {
  baseId: string;
  baseBytes: Uint8Array;
  weights: RefinerWeights;
  /** The id of the file the refiner weights came from (the base file itself, or a MattingRefine export). */
  refinerId: string;
}

const HINT =
  'Install one with `npm run models:fetch -- bgmv2-base --url file:///…/base.onnx --sha256 <hex>` ' +
  '(a MattingBase export) and, unless that file holds the refiner too, `npm run models:fetch -- bgmv2-mobilenetv2 --sha256 <hex>`.';

/**
 * Loads the BGMv2 model installed by `npm run models:fetch` from the assets' `models/`: a base
 * export (interface `base`) and refiner weights (from the base file if it has them, else from
 * an installed MattingRefine export), each file checked against the sha256 recorded at
 * install.
 * @throws ReplacerError 'model-load' when none is installed or a file is not what it should be;
 *   ModelIntegrityError when a file's hash differs from the recorded one
 */
export async function loadInstalledBgmv2(assets: AssetLocation): Promise<Bgmv2Installed> {
  const listUrl = new URL(assetUrl(assets, 'models/installed.json'));
  const response = await fetch(listUrl);
  if (!response.ok) throw new ReplacerError('model-load', `No BackgroundMattingV2 model is installed (${listUrl.pathname}: HTTP ${response.status}). ${HINT}`);
  let models: InstalledModel[];
  try {
    const json = (await response.json()) as { version?: unknown; models?: unknown };
    if (json.version !== 1 || !Array.isArray(json.models)) throw new Error('expected { version: 1, models: [...] }');
    models = json.models as InstalledModel[];
  } catch (err) {
    throw new ReplacerError('model-load', `${listUrl.pathname} is invalid: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const read = async (m: InstalledModel): Promise<Uint8Array> => {
    if (typeof m.file !== 'string' || m.file.includes('/') || m.file.includes('..')) throw new ReplacerError('model-load', `installed.json: bad file name ${JSON.stringify(m.file)}`);
    const r = await fetch(assetUrl(assets, `models/${m.file}`));
    if (!r.ok) throw new ReplacerError('model-load', `BGMv2 model file ${m.file} is missing (HTTP ${r.status}). ${HINT}`);
    const bytes = await r.arrayBuffer();
    const actual = await sha256Hex(bytes);
    if (actual !== m.sha256) throw new ModelIntegrityError(m.file, m.sha256, actual);
    return new Uint8Array(bytes);
  };
  const base = models.find((m) => m.interface === 'base');
  if (!base) throw new ReplacerError('model-load', `No BGMv2 base model is installed (installed.json lists ${models.map((m) => m.id).join(', ') || 'nothing'}). ${HINT}`);
  const baseBytes = await read(base);
  const info = loadBgmv2Base(baseBytes);
  if (info.refiner) return { baseId: base.id, baseBytes, weights: info.refiner, refinerId: base.id };
  const refine = models.find((m) => m.interface === 'refine');
  if (!refine) throw new ReplacerError('model-load', `The BGMv2 base model ${base.file} has no refiner weights and no MattingRefine export is installed. ${HINT}`);
  const weights = readRefinerWeights(await read(refine));
  return { baseId: base.id, baseBytes, weights, refinerId: refine.id };
}
