// `npm run build:lib`: the package's library build into dist/ (see README, "Embedding").
//
//   dist/index.js, element.js, livekit.js, twilio.js   ES module entries (+ a shared chunk), for
//                                                      a page's main thread
//   dist/assets.js                                     the URL of every asset, each a literal
//                                                      `new URL('./assets/…', import.meta.url)`
//   dist/assets/workers/{engine,segmenter}.worker.js   the workers, each one self-contained file
//   dist/assets/{models,ort,tasks-vision}/…            the model, its manifest, the wasm runtimes
//   dist/types/…                                       the declarations (tsc)
//   dist/bin/graph-fetch.mjs, optional.json            the optional models' installer
//                                                      (scripts/lib/graphFetch.ts, for Node) and
//                                                      their pinned hashes, for
//                                                      `npx bg-replacer fetch-model`
//
// Shaders are inlined (Vite's `?raw`). In the library, the modules that locate the workers and
// the assets (src/element/engineWorker.ts, src/models/segmenterWorker.ts,
// src/element/defaultAssets.ts) are replaced by their src/lib/ counterparts, which find them
// among the assets: the assets folder can then be served anywhere (`assetsPath`).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { build, type InlineConfig, type Plugin } from 'vite';
import { ASSET_FILES, WORKER_FILES } from '../src/assets';
import { ortWasmNotInlined } from './lib/vite/ortWasmNotInlined';

const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'dist');
const src = (path: string): string => join(root, 'src', path);

/** Modules of the app build → their library counterparts. */
const LIBRARY_MODULES: Record<string, string> = {
  [src('element/engineWorker.ts')]: src('lib/engineWorker.ts'),
  [src('models/segmenterWorker.ts')]: src('lib/segmenterWorker.ts'),
  [src('element/defaultAssets.ts')]: src('lib/defaultAssets.ts'),
};

/** Swaps in the library modules, and keeps `./assets.js` (written below) external. */
function libraryModules(): Plugin {
  return {
    name: 'bg-replacer-library-modules',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (source === './assets.js' && importer === src('lib/defaultAssets.ts')) return { id: './assets.js', external: true };
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      const swap = resolved && LIBRARY_MODULES[resolved.id];
      return swap ? { id: swap } : null;
    },
  };
}

const shared: InlineConfig = {
  configFile: false,
  root,
  publicDir: false,
  logLevel: 'warn',
  base: './',
  plugins: [libraryModules(), ortWasmNotInlined()],
  resolve: { alias: [{ find: 'ebml', replacement: 'ebml/lib/ebml.js' }] },
};

rmSync(dist, { recursive: true, force: true });

// The main-thread entries.
await build({
  ...shared,
  build: {
    outDir: dist,
    emptyOutDir: false,
    target: 'es2022',
    minify: false,
    // lit (the element's base class, whose types the element's declarations name) is the
    // package's one dependency: the app's bundler resolves it, sharing one copy with the app's own.
    // Chunks go beside the entries, so the external './assets.js' is found as written.
    rollupOptions: { external: [/^lit($|\/)/, /^@lit\//, /^lit-html($|\/)/, /^lit-element($|\/)/], output: { chunkFileNames: '[name]-[hash].js' } },
    lib: {
      entry: {
        index: src('index.ts'),
        element: src('entries/element.ts'),
        livekit: src('entries/livekit.ts'),
        twilio: src('entries/twilio.ts'),
      },
      formats: ['es'],
    },
  },
});

// Each worker as one self-contained module (no chunks to find: an app's bundler copies it whole).
for (const file of WORKER_FILES) {
  const name = file.replace(/^workers\/|\.js$/g, '');
  const entry = name === 'engine.worker' ? src('worker/engine.worker.ts') : src('models/segmenter.worker.ts');
  await build({
    ...shared,
    build: {
      outDir: join(dist, 'assets/workers'),
      emptyOutDir: false,
      target: 'es2022',
      minify: true,
      lib: { entry: { [name]: entry }, formats: ['es'] },
      rollupOptions: { output: { codeSplitting: false } },
    },
  });
}

// The optional models' installer for `npx bg-replacer fetch-model` (bin/bg-replacer.mjs): the
// same code as `npm run models:fetch`, one self-contained module for Node (its `tar` included),
// and the list of pinned hashes it checks against.
await build({
  configFile: false,
  root,
  publicDir: false,
  logLevel: 'warn',
  ssr: { noExternal: true },
  build: {
    outDir: join(dist, 'bin'),
    emptyOutDir: false,
    target: 'node20',
    minify: false,
    ssr: join(root, 'scripts/lib/graphFetch.ts'),
    rollupOptions: { output: { format: 'es', entryFileNames: 'graph-fetch.mjs' } },
  },
});
copyFileSync(join(root, 'public/models/optional.json'), join(dist, 'bin/optional.json'));

// The runtime assets, from public/ (filled by `npm ci`: scripts/install-models.mjs and
// scripts/convert-models.ts).
for (const file of ASSET_FILES) {
  const from = join(root, 'public', file);
  if (!existsSync(from)) throw new Error(`build:lib: ${from} is missing — run \`npm ci\` (it installs the models and runtimes).`);
  const to = join(dist, 'assets', file);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}
copyFileSync(join(root, 'src/models/manifest.json'), join(dist, 'assets/models/manifest.json'));

// dist/assets.js: every asset as a literal new URL(…, import.meta.url).
const urls = [...ASSET_FILES, ...WORKER_FILES].map((file) => `  ${JSON.stringify(file)}: new URL(${JSON.stringify(`./assets/${file}`)}, import.meta.url).href,`);
writeFileSync(
  join(dist, 'assets.js'),
  [
    '// Generated by scripts/build-lib.ts: where bg-replacer finds its assets by default (assetsPath',
    '// overrides it). Each file is named as a literal `new URL(…, import.meta.url)`, so an app\'s bundler',
    '// copies it into the app\'s build; unbundled, the files are found beside this module.',
    "export const ASSET_BASE = new URL('./assets/', import.meta.url).href;",
    'export const ASSET_URLS = {',
    ...urls,
    '};',
    '',
  ].join('\n'),
);

// The declarations.
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.lib.json')], { stdio: 'inherit' });

const size = (path: string): string => `${(statSync(path).size / 1e6).toFixed(2)} MB`;
console.log(`build:lib: dist/ written (engine worker ${size(join(dist, 'assets/workers/engine.worker.js'))}, segmenter worker ${size(join(dist, 'assets/workers/segmenter.worker.js'))}).`);
