import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fetchError, serveFiles, type FileServer } from '../lib/fileServer';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchOptionalModel, type OptionalModel } from '../../scripts/models-fetch';
import { ReplacerError } from '../../src/errors';
import {
  learnedRefineDense,
  learnedRefineOutput,
  learnedRefinePatches,
  patchesOfTiles,
  resizeBilinear,
  type LearnedRefineInputs,
} from '../../src/gpu/reference/refineLearned';
import { inspectBgmv2Model, loadBgmv2Base } from '../../src/models/bgmv2/loader';
import { BN_EPSILON, readRefinerWeights } from '../../src/models/bgmv2/refinerWeights';
import { PACKED, REFINER_LAYERS } from '../../src/types/refiner';
import { DataType, encodeModel, node, tensorF32, valueInfo, type OnnxTensor } from '../../src/models/onnx/graph';
import {
  bgmv2TestModel,
  randomRefinerInputs,
  randomRefinerParams,
  refinerInitializers,
  symbolicValueInfo,
  type RawRefinerParams,
} from '../gpu/cases/bgmv2Model';
import { rng } from '../gpu/cases/rng';

/** A model holding only the given initialisers (and a trivial graph), for the weight reader. */
function initOnly(initializers: OnnxTensor[], nodes = [node('Identity', ['x'], ['y'])]): Uint8Array {
  return encodeModel({ name: 't', nodes, inputs: [valueInfo('x', [1])], outputs: [valueInfo('y', [1])], initializers });
}

function modelError(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ReplacerError);
    expect((err as ReplacerError).code).toBe('model-load');
    return (err as Error).message;
  }
  throw new Error('expected a model-load ReplacerError, nothing was thrown');
}

/** conv(x) then BatchNorm at one output position, unfolded: γ(Σ w·x − μ)/√(σ² + ε) + β. */
function unfolded(p: RawRefinerParams, name: 'conv1' | 'conv2' | 'conv3', o: number, x: Float32Array): number {
  const l = REFINER_LAYERS.find((v) => v.name === name)!;
  let s = 0;
  for (let k = 0; k < l.in * 9; k++) s += p.weight[name][o * l.in * 9 + k]! * x[k]!;
  const bn = p.bn[name];
  return (bn.scale[o]! * (s - bn.mean[o]!)) / Math.sqrt(bn.variance[o]! + BN_EPSILON) + bn.shift[o]!;
}

describe('refiner weights', () => {
  const params = randomRefinerParams(rng(7));

  it('folds BatchNorm: the folded conv gives conv + BN, and packs [in][ky][kx][out]', () => {
    const w = readRefinerWeights(initOnly(refinerInitializers(params)));
    expect(w.source).toBe('names');
    expect(w.packed.length).toBe(PACKED.length);
    expect(PACKED.length).toBe(15392);
    const rand = rng(3);
    for (const name of ['conv1', 'conv2', 'conv3'] as const) {
      const l = w.layers[name];
      const x = Float32Array.from({ length: l.in * 9 }, () => rand() * 2 - 1);
      for (let o = 0; o < l.out; o++) {
        let folded = l.bias[o]!;
        for (let k = 0; k < l.in * 9; k++) folded += l.weight[o * l.in * 9 + k]! * x[k]!;
        expect(Math.abs(folded - unfolded(params, name, o, x))).toBeLessThan(1e-5);
      }
    }
    expect([...w.layers.conv4.bias]).toEqual([0.5, 0, 0, 0]);
    expect(w.layers.conv4.weight).toEqual(params.weight.conv4);
    for (const l of REFINER_LAYERS) {
      const layer = w.layers[l.name];
      for (const [o, i, k] of [[0, 0, 0], [l.out - 1, l.in - 1, 8], [1, 2, 5]] as const) {
        expect(w.packed[PACKED.weight[l.name] + (i * 9 + k) * l.out + o]).toBe(layer.weight[(o * l.in + i) * 9 + k]);
      }
      expect(w.packed.subarray(PACKED.bias[l.name], PACKED.bias[l.name] + l.out)).toEqual(layer.bias);
    }
  });

  it('accepts the names without the refiner. prefix, and a BatchNorm already folded into a conv bias', () => {
    const a = readRefinerWeights(initOnly(refinerInitializers(params)));
    const b = readRefinerWeights(initOnly(refinerInitializers(params, '')));
    expect(b.packed).toEqual(a.packed);
    // Pre-folded: conv1..conv3 carry the folded bias, no bn tensors.
    const prefolded = REFINER_LAYERS.flatMap((l) => [
      tensorF32(`refiner.${l.name}.weight`, [l.out, l.in, 3, 3], a.layers[l.name].weight),
      tensorF32(`refiner.${l.name}.bias`, [l.out], a.layers[l.name].bias),
    ]);
    expect(readRefinerWeights(initOnly(prefolded)).packed).toEqual(a.packed);
  });

  it('uses the epsilon of the BatchNormalization node', () => {
    const inits = refinerInitializers(params);
    const bnNode = node('BatchNormalization', ['c', 'refiner.bn2.weight', 'refiner.bn2.bias', 'refiner.bn2.running_mean', 'refiner.bn2.running_var'], ['n'], { epsilon: { float: 0.5 } });
    const w = readRefinerWeights(initOnly(inits, [bnNode]));
    const bn = params.bn.conv2;
    const s = bn.scale[0]! / Math.sqrt(bn.variance[0]! + 0.5);
    expect(w.layers.conv2.weight[0]).toBeCloseTo(params.weight.conv2[0]! * s, 6);
  });

  it('finds renamed parameters by the shapes of the refiner Conv nodes (fused or with BatchNormalization nodes)', () => {
    const named = readRefinerWeights(initOnly(refinerInitializers(params)));
    // Fused and renamed, as torch.onnx's Conv+BN fusion leaves them.
    const fusedInits: OnnxTensor[] = [];
    const fusedNodes = REFINER_LAYERS.map((l, k) => {
      fusedInits.push(tensorF32(`onnx::Conv_${k}0`, [l.out, l.in, 3, 3], named.layers[l.name].weight), tensorF32(`onnx::Conv_${k}1`, [l.out], named.layers[l.name].bias));
      return node('Conv', [`in${k}`, `onnx::Conv_${k}0`, `onnx::Conv_${k}1`], [`out${k}`]);
    });
    const fused = readRefinerWeights(initOnly(fusedInits, fusedNodes));
    expect(fused.source).toBe('graph');
    expect(fused.packed).toEqual(named.packed);
    // Renamed but not fused: Conv (no bias) → BatchNormalization.
    const inits: OnnxTensor[] = [];
    const nodes = REFINER_LAYERS.flatMap((l, k) => {
      inits.push(tensorF32(`w${k}`, [l.out, l.in, 3, 3], params.weight[l.name]));
      if (!l.bn) {
        inits.push(tensorF32(`b${k}`, [l.out], params.bias4));
        return [node('Conv', [`in${k}`, `w${k}`, `b${k}`], [`c${k}`])];
      }
      const bn = params.bn[l.name as 'conv1'];
      inits.push(tensorF32(`g${k}`, [l.out], bn.scale), tensorF32(`be${k}`, [l.out], bn.shift), tensorF32(`m${k}`, [l.out], bn.mean), tensorF32(`v${k}`, [l.out], bn.variance));
      return [node('Conv', [`in${k}`, `w${k}`], [`c${k}`]), node('BatchNormalization', [`c${k}`, `g${k}`, `be${k}`, `m${k}`, `v${k}`], [`n${k}`])];
    });
    const unfusedRead = readRefinerWeights(initOnly(inits, nodes));
    expect(unfusedRead.source).toBe('graph');
    expect(unfusedRead.packed).toEqual(named.packed);
    // Two candidates for one layer: ambiguous.
    const twice = [...fusedNodes, node('Conv', ['z', 'onnx::Conv_20', 'onnx::Conv_21'], ['zz'])];
    expect(modelError(() => readRefinerWeights(initOnly(fusedInits, twice)))).toMatch(/2 Conv nodes with weights \[12,22,3,3\].*conv3/);
  });

  it('names a missing or ill-shaped tensor', () => {
    const inits = refinerInitializers(params);
    const without = (name: string): OnnxTensor[] => inits.filter((t) => t.name !== name);
    expect(modelError(() => readRefinerWeights(initOnly(without('refiner.bn2.running_var'))))).toMatch(/refiner\.bn2\.running_var/);
    expect(modelError(() => readRefinerWeights(initOnly(without('refiner.conv4.bias'))))).toMatch(/refiner\.conv4\.bias/);
    expect(modelError(() => readRefinerWeights(initOnly(without('refiner.conv3.weight'))))).toMatch(/refiner\.conv3\.weight/);
    const reshaped = inits.map((t) => (t.name === 'refiner.conv2.weight' ? tensorF32(t.name, [16, 24, 1, 1], new Float32Array(16 * 24)) : t));
    expect(modelError(() => readRefinerWeights(initOnly(reshaped)))).toMatch(/refiner\.conv2\.weight.*\[16,24,1,1\].*\[16,24,3,3\].*kernel_size 1/);
    const shortBn = inits.map((t) => (t.name === 'refiner.bn1.weight' ? tensorF32(t.name, [12], new Float32Array(12)) : t));
    expect(modelError(() => readRefinerWeights(initOnly(shortBn)))).toMatch(/refiner\.bn1\.weight.*\[12\].*\[24\]/);
    const negative = inits.map((t) => (t.name === 'refiner.bn3.running_var' ? tensorF32(t.name, [12], new Float32Array(12).fill(-1)) : t));
    expect(modelError(() => readRefinerWeights(initOnly(negative)))).toMatch(/bn3\.running_var.*negative/);
    expect(modelError(() => readRefinerWeights(initOnly([])))).toMatch(/no BGMv2 refiner/);
    expect(modelError(() => readRefinerWeights(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f])))).toMatch(/Not an ONNX model/);
  });
});

describe('BGMv2 model loader', () => {
  const params = randomRefinerParams(rng(11));

  it('accepts a base export, reports the coarse scale when static and the refiner when present', () => {
    const info = loadBgmv2Base(bgmv2TestModel({ kind: 'base', height: 720, width: 1280, refiner: params }));
    expect(info.interface).toBe('base');
    expect(info.coarseScale).toBe(0.25);
    expect(info.inputs.src).toEqual(['B', 3, 720, 1280]);
    expect(info.outputs.hid).toEqual(['B', 32, 180, 320]);
    expect(info.refiner?.packed).toEqual(readRefinerWeights(initOnly(refinerInitializers(params))).packed);
    const symbolic = inspectBgmv2Model(bgmv2TestModel({ kind: 'base', height: 'height', width: 'width', refiner: null }));
    expect(symbolic.interface).toBe('base');
    expect(symbolic.coarseScale).toBeNull();
    expect(symbolic.refiner).toBeNull();
    expect(symbolic.opset).toBe(13);
  });

  it('recognises a MattingRefine export by its refiner, and refuses it as a base', () => {
    const bytes = bgmv2TestModel({ kind: 'refine', height: 'height', width: 'width', refiner: params, smOutputs: true });
    const info = inspectBgmv2Model(bytes);
    expect(info.interface).toBe('refine');
    expect(info.refiner).not.toBeNull();
    expect(Object.keys(info.outputs)).toEqual(['pha', 'fgr', 'pha_sm', 'fgr_sm', 'err_sm', 'ref_sm']);
    expect(inspectBgmv2Model(bgmv2TestModel({ kind: 'refine', height: 64, width: 96, refiner: params, smOutputs: true })).coarseScale).toBe(0.25);
    expect(modelError(() => loadBgmv2Base(bytes))).toMatch(/MattingRefine export.*no err and hid.*--model-type mattingbase/);
    expect(modelError(() => inspectBgmv2Model(bgmv2TestModel({ kind: 'refine', height: 64, width: 96, refiner: null })))).toMatch(/without err and hid.*no refiner weights/);
  });

  it('explains what is wrong with other models', () => {
    const base = (edit: Parameters<typeof bgmv2TestModel>[0]['editOutputs'], editInputs?: Parameters<typeof bgmv2TestModel>[0]['editInputs']) =>
      bgmv2TestModel({ kind: 'base', height: 64, width: 96, refiner: null, editOutputs: edit, editInputs });
    expect(modelError(() => inspectBgmv2Model(base((o) => o.filter((v) => v.name !== 'hid'))))).toMatch(/missing output hid/);
    expect(modelError(() => inspectBgmv2Model(base((o) => o.map((v) => (v.name === 'hid' ? symbolicValueInfo('hid', ['B', 16, 16, 24]) : v)))))).toMatch(/output hid.*\[B,16,16,24\].*32 channels/);
    expect(modelError(() => inspectBgmv2Model(base((o) => o.map((v) => (v.name === 'err' ? symbolicValueInfo('err', ['B', 1, 16, 25]) : v)))))).toMatch(/outputs pha.*err.*differ in size/);
    expect(modelError(() => inspectBgmv2Model(base((o) => o.map((v) => (v.name === 'pha' ? symbolicValueInfo('pha', ['B', 1, 16, 24], DataType.INT64) : v)))))).toMatch(/output pha: element type 7, expected float32/);
    expect(modelError(() => inspectBgmv2Model(base(undefined, (i) => [...i, symbolicValueInfo('rec', [1, 16, 8, 8])])))).toMatch(/unexpected inputs rec/);
    expect(modelError(() => inspectBgmv2Model(base(undefined, (i) => i.filter((v) => v.name !== 'bgr'))))).toMatch(/no input "bgr"/);
    expect(modelError(() => inspectBgmv2Model(base(undefined, (i) => [i[0]!, symbolicValueInfo('bgr', ['B', 3, 64, 95])])))).toMatch(/src .* and bgr .* differ/);
    expect(modelError(() => inspectBgmv2Model(base(undefined, (i) => [symbolicValueInfo('src', ['B', 3, 64]), i[1]!])))).toMatch(/input src.*rank 3/);
    expect(modelError(() => inspectBgmv2Model(new TextEncoder().encode('not a model at all, just some text')))).toMatch(/Not an ONNX model/);
  });
});

describe('learned refiner reference', () => {
  const inputs = (seed: number, W: number, H: number, wc: number, hc: number): LearnedRefineInputs => randomRefinerInputs(rng(seed), W, H, wc, hc);


  for (const [W, H, wc, hc] of [
    [24, 16, 6, 4],
    [28, 20, 5, 9],
  ] as const) {
    it(`patch mode = full mode on the selected patches (${W}×${H}, coarse ${wc}×${hc})`, () => {
      const weights = readRefinerWeights(initOnly(refinerInitializers(randomRefinerParams(rng(W)))));
      const inp = inputs(W + H, W, H, wc, hc);
      const dense = learnedRefineDense(inp, weights.layers);
      // Every tile, including those past the right and bottom edges, plus a sparse pick.
      const tilesX = Math.ceil(W / 8);
      const tilesY = Math.ceil(H / 8);
      const all = Array.from({ length: tilesX * tilesY }, (_, k) => (k % tilesX) | (Math.floor(k / tilesX) << 16));
      const patches = patchesOfTiles(all, W, H);
      expect(patches.length).toBe((W / 4) * (H / 4));
      const sparse = learnedRefinePatches(inp, weights.layers, patches);
      let max = 0;
      for (let p = 0; p < W * H; p++) {
        max = Math.max(max, Math.abs(sparse.pha[p]! - dense.pha[p]!));
        for (let c = 0; c < 3; c++) max = Math.max(max, Math.abs(sparse.fgr[c * W * H + p]! - dense.fgr[c * W * H + p]!));
      }
      expect(max).toBeLessThan(1e-9);
      // A non-trivial refiner: the outputs vary and pha stays mostly unclamped.
      const inside = dense.pha.filter((v) => v > 0 && v < 1).length;
      expect(inside).toBeGreaterThan(0.5 * W * H);
      expect(Math.max(...dense.pha) - Math.min(...dense.pha)).toBeGreaterThan(0.05);

      const picked = [all[0]!, all[all.length - 1]!];
      const out = learnedRefineOutput(inp, weights.layers, picked);
      const refinedPixels = out.refined.reduce((a, b) => a + b, 0);
      expect(refinedPixels).toBe(patchesOfTiles(picked, W, H).length * 16);
      const up = resizeBilinear({ c: 1, h: hc, w: wc, data: Float64Array.from(inp.coarse.pha) }, H, W);
      for (let p = 0; p < W * H; p++) {
        const expected = out.refined[p] ? dense.pha[p]! : up.data[p]!;
        expect(Math.abs(out.pha.data[p]! - Math.min(Math.max(expected, 0), 1))).toBeLessThan(1e-6);
      }
    });
  }

  it('rejects sizes that are not multiples of 4 and patches outside the grid', () => {
    const weights = readRefinerWeights(initOnly(refinerInitializers(randomRefinerParams(rng(1)))));
    const bad = inputs(1, 26, 16, 6, 4);
    expect(() => learnedRefineDense(bad, weights.layers)).toThrow(RangeError);
    const good = inputs(1, 24, 16, 6, 4);
    expect(() => learnedRefinePatches(good, weights.layers, [{ qx: 6, qy: 0 }])).toThrow(/outside the 6×4 grid/);
  });
});

describe('models:fetch', () => {
  const model = bgmv2TestModel({ kind: 'refine', height: 'height', width: 'width', refiner: randomRefinerParams(rng(5)) });
  const base = bgmv2TestModel({ kind: 'base', height: 64, width: 64, refiner: null });
  const hash = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
  const served: Record<string, Uint8Array> = { '/model.onnx': model, '/base.onnx': base, '/tampered.onnx': Uint8Array.from(model, (v, i) => (i === 100 ? v ^ 1 : v)) };
  let server: FileServer;
  let url = '';
  let dir = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'models-fetch-'));
    server = await serveFiles((path) => served[path]);
    url = server.url;
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A list with one entry, in a fresh output folder. */
  function setup(entry: Partial<OptionalModel>): { manifestPath: string; outDir: string } {
    const sub = mkdtempSync(join(dir, 'case-'));
    const manifestPath = join(sub, 'optional.json');
    const full: OptionalModel = {
      id: 'test-model',
      file: 'model.onnx',
      description: 'a test model',
      interface: 'refine',
      urls: [`${url}/model.onnx`],
      page: 'https://example.invalid/downloads',
      sha256: hash(model),
      licence: 'MIT',
      ...entry,
    };
    writeFileSync(manifestPath, JSON.stringify({ version: 1, models: [full] }));
    return { manifestPath, outDir: join(sub, 'out') };
  }

  it('downloads, verifies and validates a model with a listed sha256; a second run finds it installed', async () => {
    const s = setup({});
    const r = await fetchOptionalModel({ id: 'test-model', ...s, log: () => {} });
    expect(r.alreadyInstalled).toBe(false);
    expect(r.info.interface).toBe('refine');
    expect(r.info.refiner).not.toBeNull();
    expect(readdirSync(s.outDir).sort()).toEqual(['installed.json', 'model.onnx']);
    // The record the engine verifies the file against (src/models/bgmv2/installed.ts).
    expect(JSON.parse(readFileSync(join(s.outDir, 'installed.json'), 'utf8'))).toEqual({
      version: 1,
      models: [{ id: 'test-model', file: 'model.onnx', sha256: r.sha256, interface: 'refine' }],
    });
    const again = await fetchOptionalModel({ id: 'test-model', ...s, log: () => {} });
    expect(again.alreadyInstalled).toBe(true);
  });

  it('deletes a download whose sha256 differs and fails with exit code 1', async () => {
    const s = setup({ urls: [`${url}/tampered.onnx`] });
    const err = await fetchError(fetchOptionalModel({ id: 'test-model', ...s, log: () => {} }));
    expect(err.exitCode).toBe(1);
    expect(err.message).toMatch(/sha256 mismatch.*deleted/);
    expect(existsSync(s.outDir) ? readdirSync(s.outDir) : []).toEqual([]);
  });

  it('refuses a model without a known sha256 unless --sha256 is given, and explains how to get one', async () => {
    const s = setup({ sha256: null });
    const err = await fetchError(fetchOptionalModel({ id: 'test-model', ...s, log: () => {} }));
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/No sha256 is known.*sha256sum model\.onnx.*--sha256/s);
    expect(existsSync(s.outDir)).toBe(false);
    const wrong = await fetchError(fetchOptionalModel({ id: 'test-model', ...s, sha256: hash(base), log: () => {} }));
    expect(wrong.exitCode).toBe(1);
    expect(existsSync(s.outDir) ? readdirSync(s.outDir) : []).toEqual([]);
    const ok = await fetchOptionalModel({ id: 'test-model', ...s, sha256: hash(model).toUpperCase(), log: () => {} });
    expect(ok.sha256).toBe(hash(model));
  });

  it('refuses a --sha256 that contradicts the listed one, and unknown ids', async () => {
    const s = setup({});
    expect((await fetchError(fetchOptionalModel({ id: 'test-model', ...s, sha256: hash(base), log: () => {} }))).exitCode).toBe(2);
    expect((await fetchError(fetchOptionalModel({ id: 'nope', ...s, log: () => {} }))).message).toMatch(/unknown model "nope"; known: test-model/);
    expect((await fetchError(fetchOptionalModel({ id: 'test-model', ...s, sha256: 'abc', log: () => {} }))).message).toMatch(/64 hex digits/);
  });

  it('deletes a file with the right hash that is not the listed kind of BGMv2 model', async () => {
    const s = setup({ urls: [`${url}/base.onnx`], sha256: hash(base) });
    const err = await fetchError(fetchOptionalModel({ id: 'test-model', ...s, log: () => {} }));
    expect(err.exitCode).toBe(1);
    expect(err.message).toMatch(/not a usable BGMv2 refine model: it is a BGMv2 base model/);
    expect(readdirSync(s.outDir)).toEqual([]);
  });

  it('reports a failed download, and reads file: URLs', async () => {
    const s = setup({ urls: [`${url}/missing.onnx`] });
    const err = await fetchError(fetchOptionalModel({ id: 'test-model', ...s, log: () => {} }));
    expect(err.exitCode).toBe(1);
    expect(err.message).toMatch(/HTTP 404.*--url file:/s);
    const local = join(dir, 'by-hand.onnx');
    writeFileSync(local, model);
    const r = await fetchOptionalModel({ id: 'test-model', ...s, url: pathToFileURL(local).href, log: () => {} });
    expect(r.bytes).toBe(model.length);
  });

  it('lists the official BGMv2 exports in public/models/optional.json without invented hashes', async () => {
    const err = await fetchError(fetchOptionalModel({ id: 'bgmv2-mobilenetv2', log: () => {} }));
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/No sha256 is known for bgmv2-mobilenetv2 \(onnx_mobilenetv2_hd\.onnx\)/);
  });

  it('as a command: exit code 2 and the instructions when no hash is known, 1 on a mismatch', async () => {
    const run = promisify(execFile);
    const cli = async (args: string[]): Promise<{ code: number; stderr: string }> => {
      try {
        await run(process.execPath, ['--import', 'tsx', 'scripts/models-fetch.ts', ...args], { cwd: join(import.meta.dirname, '../..') });
        return { code: 0, stderr: '' };
      } catch (err) {
        const e = err as { code: number; stderr: string };
        return { code: e.code, stderr: e.stderr };
      }
    };
    const s = setup({ sha256: null });
    const refused = await cli(['test-model', '--manifest', s.manifestPath, '--out', s.outDir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/npm run models:fetch -- test-model --sha256/);
    const mismatch = await cli(['test-model', '--manifest', s.manifestPath, '--out', s.outDir, '--sha256', hash(base)]);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toMatch(/sha256 mismatch/);
    expect(existsSync(s.outDir) ? readdirSync(s.outDir) : []).toEqual([]);
  }, 60_000);
});
