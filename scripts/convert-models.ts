// Install-time model conversion (run by `npm install` / `npm ci` after install-models.mjs):
//   tsx scripts/convert-models.ts [--update]
//
// For each src/models/manifest.json entry with `derivedFrom` and format "onnx", converts
// the (already installed and verified) TFLite source entry to ONNX with
// scripts/lib/tflite/convert.ts, checks the network's input size against the entry, and
// writes public/models/<file> only when its sha256 equals the entry's. The conversion is
// deterministic, so a different hash means the converter (or the source) changed: the run
// fails saying so. --update writes the new hash into the manifest instead (review the
// change, then commit it).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseManifest, type ModelEntry } from '../src/models/manifest';
import { convertTfliteToOnnx, CONVERTER_VERSION } from './lib/tflite/convert';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const manifestPath = join(root, 'src/models/manifest.json');

function fail(message: string): never {
  console.error(`convert-models: ${message}`);
  process.exit(1);
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Converts one derived entry.
 * @returns the converted bytes and their sha256 (lower-case hex)
 * @throws Error from the converter, naming the TFLite operator it cannot convert
 */
function convertEntry(entry: ModelEntry, source: ModelEntry): { bytes: Uint8Array; sha256: string } {
  const sourcePath = join(root, 'public/models', source.file);
  if (!existsSync(sourcePath)) fail(`${entry.file}: its source ${sourcePath} is missing; run \`node scripts/install-models.mjs\` first.`);
  const tflite = new Uint8Array(readFileSync(sourcePath));
  const sourceHash = sha256(tflite);
  if (sourceHash !== source.sha256) fail(`${entry.file}: source ${source.file} has sha256 ${sourceHash}, the manifest expects ${source.sha256}.`);
  const { onnx, report } = convertTfliteToOnnx(tflite, { name: entry.id });
  const [, channels, height, width] = report.input.shape;
  if (width !== entry.input.width || height !== entry.input.height || channels !== entry.input.channels) {
    fail(`${entry.file}: the converted network takes ${width}×${height}×${channels}, the manifest says ${entry.input.width}×${entry.input.height}×${entry.input.channels}.`);
  }
  const ops = Object.entries(report.onnxNodes).map(([op, n]) => `${op} ${n}`).join(', ');
  console.log(`convert-models: ${source.file} → ${entry.file}: ${report.parameters} weights, ${ops}`);
  return { bytes: onnx, sha256: sha256(onnx) };
}

function main(): void {
  const { values } = parseArgs({ options: { update: { type: 'boolean', default: false } } });
  const raw = readFileSync(manifestPath, 'utf8');
  let manifest: ReturnType<typeof parseManifest>;
  try {
    manifest = parseManifest(JSON.parse(raw));
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  let updated = raw;
  for (const entry of manifest.models.filter((m) => m.derivedFrom !== undefined)) {
    if (entry.format !== 'onnx') fail(`${entry.id}: only ONNX conversions are known (format is "${entry.format}").`);
    const source = manifest.models.find((m) => m.id === entry.derivedFrom);
    if (!source || source.format !== 'tflite') fail(`${entry.id}: derivedFrom "${entry.derivedFrom}" is not a TFLite entry of the manifest.`);
    let converted: { bytes: Uint8Array; sha256: string };
    try {
      converted = convertEntry(entry, source);
    } catch (err) {
      fail(`${entry.file}: conversion of ${source.file} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (converted.sha256 !== entry.sha256) {
      if (!values.update) {
        fail(
          `${entry.file}: sha256 mismatch.\n  manifest  ${entry.sha256}\n  converted ${converted.sha256}\n` +
            `  The converter (version ${CONVERTER_VERSION}) or its source changed. If that is intended, run ` +
            '`npx tsx scripts/convert-models.ts --update` and commit src/models/manifest.json.',
        );
      }
      const next = updated.replace(`"sha256": "${entry.sha256}"`, `"sha256": "${converted.sha256}"`);
      if (next === updated) fail(`${entry.id}: could not find its "sha256": "${entry.sha256}" in ${manifestPath} to update.`);
      updated = next;
      console.log(`convert-models: ${entry.id} sha256 updated to ${converted.sha256}`);
    }
    writeFileSync(join(root, 'public/models', entry.file), converted.bytes);
    console.log(`convert-models: ${entry.file} ok (sha256 ${converted.sha256.slice(0, 12)}…)`);
  }
  if (updated !== raw) writeFileSync(manifestPath, updated);
}

main();
