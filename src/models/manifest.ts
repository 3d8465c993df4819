import manifestJson from './manifest.json';
import { assetUrl, type AssetLocation } from '../assets';
import { ModelIntegrityError, ReplacerError } from '../errors';

/** One entry of src/models/manifest.json. */
export interface ModelEntry {
  id: string;
  file: string;
  /** Lower-case hex sha256 of the file. */
  sha256: string;
  format: string;
  task: string;
  /** Network input size in pixels. */
  input: { width: number; height: number; channels: number };
  licence: string;
  source: { package: string; path: string; version: string; origin: string };
  /**
   * Id of the entry this file is generated from at install (e.g. the ONNX conversion of a
   * TFLite model by scripts/convert-models.ts); absent for files copied from a package.
   */
  derivedFrom?: string;
}

export interface ModelManifest {
  version: number;
  models: ModelEntry[];
}

function invalid(message: string): ReplacerError {
  return new ReplacerError('model-load', `src/models/manifest.json is invalid: ${message}`);
}

/**
 * Validates a parsed manifest.json.
 * @throws ReplacerError 'model-load' naming the first malformed field
 */
export function parseManifest(json: unknown): ModelManifest {
  if (!json || typeof json !== 'object') throw invalid('not a JSON object');
  const { version, models } = json as { version?: unknown; models?: unknown };
  if (version !== 1) throw invalid(`unsupported version ${JSON.stringify(version)}`);
  if (!Array.isArray(models) || models.length === 0) throw invalid('"models" must be a non-empty array');
  models.forEach((m: unknown, i) => {
    const e = m as Partial<ModelEntry> | null;
    if (!e || typeof e !== 'object') throw invalid(`models[${i}] is not an object`);
    for (const key of ['id', 'file', 'format', 'task', 'licence'] as const) {
      if (typeof e[key] !== 'string' || e[key] === '') throw invalid(`models[${i}].${key} must be a non-empty string`);
    }
    if (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256)) throw invalid(`models[${i}].sha256 must be 64 hex digits`);
    if (e.file!.includes('/') || e.file!.includes('..')) throw invalid(`models[${i}].file must be a plain file name`);
    const input = e.input;
    if (
      !input ||
      ![input.width, input.height, input.channels].every((n) => Number.isInteger(n) && n > 0 && n <= 4096)
    ) {
      throw invalid(`models[${i}].input must have positive integer width, height and channels`);
    }
    if (e.derivedFrom !== undefined && !models.some((other: unknown) => (other as Partial<ModelEntry> | null)?.id === e.derivedFrom && other !== m)) {
      throw invalid(`models[${i}].derivedFrom must name another model's id`);
    }
  });
  return json as ModelManifest;
}

/** Lower-case hex sha256 of bytes (WebCrypto). */
export async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The manifest compiled into the code: the sha256 a model is checked against comes with the
 * code, not from the server that serves the model (so a host cannot swap both).
 */
export const MODEL_MANIFEST: ModelManifest = parseManifest(manifestJson);

/**
 * Loads one model's bytes from the assets' `models/` folder, verifying its sha256 against
 * {@link MODEL_MANIFEST}.
 * @param id the model's id in the manifest, e.g. 'selfie-landscape-onnx'
 * @throws ReplacerError 'model-load' naming the URL that failed (missing, unreachable or not
 *   listed), or ModelIntegrityError (hash differs)
 */
export async function loadVerifiedModel(assets: AssetLocation, id: string): Promise<{ entry: ModelEntry; bytes: ArrayBuffer }> {
  const entry = MODEL_MANIFEST.models.find((m) => m.id === id);
  if (!entry) throw new ReplacerError('model-load', `Model "${id}" is not listed in src/models/manifest.json.`);
  const url = assetUrl(assets, `models/${entry.file}`);
  let modelResponse: Response;
  try {
    modelResponse = await fetch(url);
  } catch (err) {
    throw new ReplacerError('model-load', `Model file ${entry.file} could not be fetched from ${url} (${String(err)}) — check assetsPath.`, { cause: err });
  }
  if (!modelResponse.ok) {
    throw new ReplacerError(
      'model-load',
      `Model file ${entry.file} is missing at ${url} (HTTP ${modelResponse.status}) — check assetsPath (\`npx bg-replacer copy-assets DIR\` copies the assets), or run \`npm ci\` in the app's checkout.`,
    );
  }
  const bytes = await modelResponse.arrayBuffer();
  const actual = await sha256Hex(bytes);
  if (actual !== entry.sha256) throw new ModelIntegrityError(entry.file, entry.sha256, actual);
  return { entry, bytes };
}
