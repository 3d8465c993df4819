#!/usr/bin/env node
// The package's command: `npx bg-replacer copy-assets DIR` copies the runtime assets (the
// segmentation model and its manifest, the onnxruntime-web and tasks-vision wasm runtimes, the
// worker scripts) into DIR, for a host that serves them somewhere of its own; the page then passes
// `assetsPath` (the URL DIR is served at) to createBackgroundReplacer() or <bg-replacer assets-path>.
// Each model is checked against the manifest's sha256 before and after the copy.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ASSETS = resolve(dirname(fileURLToPath(import.meta.url)), '../dist/assets');
const USAGE = `Usage: npx bg-replacer copy-assets DIR [--force]

Copies bg-replacer's runtime assets (${ASSETS}) into DIR:
  models/        the segmentation model (TFLite and ONNX) and manifest.json (sha256 of each)
  ort/           onnxruntime-web's WebAssembly runtime
  tasks-vision/  MediaPipe tasks-vision's WebAssembly runtime
  workers/       the engine's worker scripts
Serve DIR on the page's origin and pass its URL as assetsPath.
  --force   overwrite files already in DIR`;

function fail(message) {
  console.error(`bg-replacer: ${message}`);
  process.exit(1);
}

const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Every model listed in `dir`/models/manifest.json is there with its sha256. */
function verifyModels(dir) {
  const manifest = JSON.parse(readFileSync(join(dir, 'models/manifest.json'), 'utf8'));
  for (const model of manifest.models) {
    const path = join(dir, 'models', model.file);
    if (!existsSync(path)) fail(`${path} is missing.`);
    const actual = sha256(path);
    if (actual !== model.sha256) fail(`${path}: sha256 ${actual} ≠ ${model.sha256} in the manifest; do not use it.`);
  }
  return manifest.models.length;
}

function files(dir) {
  return readdirSync(dir, { recursive: true }).map(String).filter((f) => statSync(join(dir, f)).isFile() && !f.endsWith('.map'));
}

let parsed;
try {
  parsed = parseArgs({ allowPositionals: true, options: { force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
} catch (err) {
  fail(`${err.message}\n\n${USAGE}`);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const [command, target, ...extra] = positionals;
if (command !== 'copy-assets' || !target || extra.length > 0) fail(`expected \`copy-assets DIR\`.\n\n${USAGE}`);
if (!existsSync(join(ASSETS, 'models/manifest.json'))) fail(`${ASSETS} is missing: this copy of the package was not built (\`npm run build:lib\`).`);
verifyModels(ASSETS);
const dest = resolve(target);
const list = files(ASSETS);
if (!values.force) {
  const clash = list.find((f) => existsSync(join(dest, f)));
  if (clash) fail(`${join(dest, clash)} already exists; pass --force to overwrite.`);
}
cpSync(ASSETS, dest, { recursive: true, force: true, filter: (from) => !from.endsWith('.map') });
const models = verifyModels(dest);
const bytes = list.reduce((sum, f) => sum + statSync(join(dest, f)).size, 0);
console.log(`bg-replacer: copied ${list.length} files (${(bytes / 1e6).toFixed(1)} MB; ${models} models verified) to ${dest}/`);
console.log('Serve that folder on the page\'s origin and pass its URL as assetsPath (createBackgroundReplacer) or assets-path (<bg-replacer>).');
