// The portable GPU bench bundle: everything a headless Linux machine with a GPU and its Vulkan
// driver (and no Node, no browser, no network) needs to run the Node GPU bench, in one folder.
//
//   run.sh                  the entry point (POSIX sh; every tool it uses is bin/busybox)
//   bin/busybox             Debian's busybox-static: unxz, sha256sum, mkdir, … (no shared library)
//   bench/bench-gpu.mjs     the harness, bundled (scripts/lib/gpuBench/build.ts)
//   payload/                unpacked by run.sh into its work folder (*.xz decompressed):
//     node.xz               this Node binary (process.execPath)
//     dawn.node.xz          Dawn's Node bindings (npm webgpu)
//     lib/*.xz              the Vulkan loader (libvulkan.so.1), libstdc++.so.6, libgcc_s.so.1:
//                           used only where the machine's do not load
//     ort/                  onnxruntime-web's wasm runtime
//     masks/                the base network's masks, recorded here for the bundle's sizes
//   model/, data/           the base network (ONNX); Robust Video Matting (model/rvm/) when it is
//                           installed (GPL-3.0, for the rvm rows); the dev still, its plate, the background
//   licenses/, bundle.json  where each part comes from; SHA256SUMS (checked by run.sh)
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { ASSET_FILES } from '../../../src/assets';
import { MODEL_MANIFEST } from '../../../src/models/manifest';
import type { Size } from '../bench/plan';
import { buildGpuBench, ROOT } from '../gpuBench/build';
import { maskFileName } from '../gpuBench/masks';
import { rvmWeightFiles } from '../gpuBench/rvm';
import { CACHE, fileFlags, repoBenchFiles, runHarness } from '../gpuBench/paths';
import { isStaticElf } from './elf';

/** The most a bundle may weigh: what such a machine takes in all (64 MiB), less room for the results. */
export const MAX_BUNDLE_BYTES = 60 * 1024 * 1024;

/** Shared libraries carried for machines whose own do not load (looked up in these folders). */
const LIBRARY_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64', '/usr/lib'];
const LIBRARIES = [
  { soname: 'libvulkan.so.1', debian: 'libvulkan1', licence: '/usr/share/doc/libvulkan1/copyright' },
  { soname: 'libstdc++.so.6', debian: 'libstdc++6', licence: '/usr/share/doc/libstdc++6/copyright' },
  { soname: 'libgcc_s.so.1', debian: 'libgcc-s1', licence: '/usr/share/doc/libgcc-s1/copyright' },
] as const;

/** What to bundle. */
export interface BundleOptions {
  /** The bundle's folder (emptied first). */
  out: string;
  /** The sizes whose masks are recorded into the bundle (run.sh records any other on the machine). */
  sizes: Size[];
  /** xz's preset, 0 (fastest) .. 9 (smallest). */
  xzPreset: number;
  /** Busybox to carry: a static x86-64 build ($BUSYBOX or Debian busybox-static's /bin/busybox). */
  busybox: string;
  /**
   * Robust Video Matting's graph (model.json, its weights beside it) to carry for the rvm rows:
   * by default the one installed in public/models; null (none installed) leaves them unmeasured.
   */
  rvm?: string | null;
  log(line: string): void;
}

/** The bundle made. */
export interface BundleResult {
  dir: string;
  /** Its files (relative paths) and their sizes in bytes, and the total. */
  files: { path: string; bytes: number }[];
  bytes: number;
}

/** A shared library's real file, by soname, from the usual multiarch folders. @throws Error naming the Debian package */
function findLibrary(soname: string, debian: string): string {
  for (const dir of LIBRARY_DIRS) {
    const path = join(dir, soname);
    if (existsSync(path)) return realpathSync(path);
  }
  throw new Error(`${soname} not found in ${LIBRARY_DIRS.join(', ')}: install the Debian package ${debian}`);
}

/** Compresses `from` into `to` with the system's xz (CRC32 check: busybox's unxz reads it). */
function xz(from: string, to: string, preset: number): Promise<void> {
  mkdirSync(dirname(to), { recursive: true });
  const child = spawn('xz', [`-${preset}`, '-T0', '--check=crc32', '-c', from], { stdio: ['ignore', 'pipe', 'inherit'] });
  const file = createWriteStream(to);
  child.stdout.pipe(file);
  const written = new Promise<void>((done, fail) => file.on('finish', done).on('error', fail));
  const exited = new Promise<void>((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done() : fail(new Error(`xz exited with ${code} compressing ${from}`))));
  });
  return Promise.all([written, exited]).then(() => undefined);
}

function copy(from: string, to: string, mode?: number): void {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  if (mode !== undefined) chmodSync(to, mode);
}

/** Every file under `dir`, relative paths, sorted. */
function listFiles(dir: string, under = ''): string[] {
  return readdirSync(join(dir, under), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(dir, join(under, e.name)) : [join(under, e.name)]))
    .sort();
}

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/**
 * Makes the bundle: builds the harness, records the masks missing for `sizes` (on this machine's
 * adapter, SwiftShader without a GPU), compresses Node, dawn.node, the libraries and the wasm
 * runtime with xz, copies the rest, writes bundle.json and SHA256SUMS.
 * @throws Error when a tool or file is missing (xz, a static busybox, a library, the repository's
 *   files), the masks cannot be recorded, or the bundle exceeds MAX_BUNDLE_BYTES
 */
export async function makeGpuBundle(o: BundleOptions): Promise<BundleResult> {
  if (spawnSync('xz', ['--version']).status !== 0) throw new Error("the system's xz is needed to make the bundle (Debian: xz-utils)");
  if (!existsSync(o.busybox)) throw new Error(`${o.busybox} not found: install Debian's busybox-static (or set BUSYBOX to a static busybox)`);
  if (!isStaticElf(o.busybox)) throw new Error(`${o.busybox} is linked dynamically: the bundle needs a static busybox (Debian's busybox-static)`);
  if (!Number.isInteger(o.xzPreset) || o.xzPreset < 0 || o.xzPreset > 9) throw new RangeError(`xz preset must be 0..9, got ${o.xzPreset}`);
  const files = o.rvm === undefined ? repoBenchFiles(join(CACHE, 'masks')) : repoBenchFiles(join(CACHE, 'masks'), o.rvm);
  const libraries = LIBRARIES.map((l) => ({ ...l, path: findLibrary(l.soname, l.debian) }));
  const out = o.out;
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  o.log('building the harness');
  const bench = await buildGpuBench(join(out, 'bench'));

  o.log(`recording the base network's masks for ${o.sizes.map((s) => `${s.width}x${s.height}`).join(', ')} (cached in ${files.masks})`);
  const sizes = o.sizes.map((s) => `${s.width}x${s.height}`).join(',');
  const status = await runHarness(bench, [...fileFlags(files), '--record-only', '--sizes', sizes], o.log);
  if (status !== 0) throw new Error(`recording the masks failed (the harness exited with ${status})`);
  const entry = MODEL_MANIFEST.models.find((m) => m.file === basename(files.model))!;
  const frameHash = sha256(join(files.still, 'image.png'));
  for (const s of o.sizes) {
    const name = maskFileName({ model: entry.sha256, frame: frameHash, width: s.width, height: s.height });
    for (const ext of ['json', 'f32']) copy(join(files.masks, `${name}.${ext}`), join(out, 'payload/masks', `${name}.${ext}`));
  }

  o.log(`compressing Node, dawn.node, the libraries and onnxruntime-web's wasm (xz -${o.xzPreset})`);
  await xz(process.execPath, join(out, 'payload/node.xz'), o.xzPreset);
  await xz(files.dawn, join(out, 'payload/dawn.node.xz'), o.xzPreset);
  for (const l of libraries) await xz(l.path, join(out, 'payload/lib', `${l.soname}.xz`), o.xzPreset);
  for (const file of ASSET_FILES.filter((f) => f.startsWith('ort/'))) {
    const from = join(ROOT, 'public', file);
    if (file.endsWith('.wasm')) await xz(from, join(out, 'payload', `${file}.xz`), o.xzPreset);
    else copy(from, join(out, 'payload', file));
  }

  copy(o.busybox, join(out, 'bin/busybox'), 0o755);
  copy(join(ROOT, 'scripts/lib/gpuBundle/run.sh'), join(out, 'run.sh'), 0o755);
  copy(files.model, join(out, 'model', basename(files.model)));
  copy(join(files.still, 'image.png'), join(out, 'data/still/image.png'));
  copy(join(files.still, 'plate.png'), join(out, 'data/still/plate.png'));
  copy(files.background, join(out, 'data/background.png'));
  if (files.rvm !== null) {
    // run.sh passes --rvm when this file is there.
    copy(files.rvm, join(out, 'model/rvm/model.json'));
    for (const w of rvmWeightFiles(files.rvm)) copy(join(dirname(files.rvm), w), join(out, 'model/rvm', w));
  }

  const licences: Record<string, string> = {};
  const licence = (name: string, candidates: readonly string[], spdx: string): void => {
    const found = candidates.find((c) => existsSync(c));
    if (found) copy(found, join(out, 'licenses', name));
    licences[name] = found ? `${spdx} (licenses/${name})` : `${spdx} (no licence file found on this machine: ${candidates.join(', ')})`;
  };
  licence('node', [join(dirname(process.execPath), '../share/doc/node/LICENSE'), '/usr/share/doc/nodejs/LICENSE'], 'MIT and others (Node.js)');
  licence('webgpu-dawn', [join(dirname(files.dawn), '../../LICENSE.md')], 'BSD-3-Clause (Dawn), MIT (npm webgpu)');
  licence('busybox', ['/usr/share/doc/busybox-static/copyright'], 'GPL-2.0 (BusyBox; source: Debian busybox 1.35)');
  for (const l of libraries) licence(l.soname, [l.licence], l.soname === 'libvulkan.so.1' ? 'Apache-2.0 (Khronos Vulkan loader)' : 'GPL-3.0 with the GCC Runtime Library Exception');
  licence('shared-data', [join(ROOT, '../shared/LICENSES.md')], 'see the file: the dev still and its plate (eval/dev)');
  licences['onnxruntime-web'] = 'MIT (Microsoft)';
  licences.model = entry.licence;
  if (files.rvm !== null) licences.rvm = 'GPL-3.0 (Robust Video Matting, Lin et al.: the user-installed model, for the rvm rows; not part of bg-replacer)';

  const version = (pkg: string): string => (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  const busyboxVersion = spawnSync(o.busybox, [], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '';
  writeFileSync(
    join(out, 'bundle.json'),
    `${JSON.stringify(
      {
        made: new Date().toISOString(),
        node: process.version,
        webgpu: version('webgpu'),
        onnxruntimeWeb: version('onnxruntime-web'),
        busybox: busyboxVersion,
        libraries: Object.fromEntries(libraries.map((l) => [l.soname, basename(l.path)])),
        masks: o.sizes.map((s) => `${s.width}x${s.height}`),
        still: basename(files.still),
        xzPreset: o.xzPreset,
        needs: 'Linux x86-64, glibc >= 2.34, /bin/sh, a Vulkan driver',
        licences,
      },
      null,
      1,
    )}\n`,
  );
  writeFileSync(
    join(out, 'README.txt'),
    [
      "bg-replacer's GPU bench (made by `npm run bundle:gpu`).",
      '',
      '  ./run.sh OUT_DIR            the bench at 1280x720, 1920x1080, 3840x2160 (under 10 minutes)',
      '  ./run.sh OUT_DIR --sizes 1920x1080 --frames 100',
      '',
      'Results: OUT_DIR/bench-gpu.json, OUT_DIR/bench-gpu.txt, OUT_DIR/environment.txt.',
      'Needs Linux x86-64 with glibc >= 2.34, /bin/sh and a Vulkan driver; see the comments in run.sh.',
      '',
    ].join('\n'),
  );

  const listed = listFiles(out);
  writeFileSync(join(out, 'SHA256SUMS'), listed.map((f) => `${sha256(join(out, f))}  ${f}\n`).join(''));
  const all = [...listed, 'SHA256SUMS'].map((path) => ({ path, bytes: statSync(join(out, path)).size }));
  const bytes = all.reduce((a, f) => a + f.bytes, 0);
  if (bytes > MAX_BUNDLE_BYTES) throw new Error(`the bundle is ${(bytes / 2 ** 20).toFixed(1)} MiB, over ${MAX_BUNDLE_BYTES / 2 ** 20} MiB`);
  return { dir: out, files: all, bytes };
}

/** A path relative to the current folder when under it, for messages. */
export function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}
