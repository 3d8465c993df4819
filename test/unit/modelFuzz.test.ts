import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertTfliteToOnnx, TfliteConversionError } from '../../scripts/lib/tflite/convert';
import { TfliteFormatError } from '../../scripts/lib/tflite/schema';
import { ReplacerError } from '../../src/errors';
import { inspectBgmv2Model } from '../../src/models/bgmv2/loader';
import { rng } from '../gpu/cases/rng';

// Corrupt model files: a truncated or bit-damaged TFLite or ONNX file gives a typed error
// (or, where the damage only touched weights, a result) within a time bound — never a hang,
// an untyped exception, or an allocation that takes the process down (a corrupt FlatBuffer
// vector length once did: the reader now checks every vector against the file).
const MODELS = resolve(import.meta.dirname, '../../public/models');
const MUTANTS = 300;
/** The slowest a single parse may take, ms (a clean conversion takes ~70 ms here). */
const BOUND_MS = 2000;

/** Up to 8 random bytes overwritten, after truncation at a random point 30 % of the time. */
function mutate(src: Uint8Array, rand: () => number): Uint8Array {
  const bytes = src.slice(0, rand() < 0.3 ? Math.floor(rand() * src.length) : src.length);
  const edits = 1 + Math.floor(rand() * 8);
  for (let k = 0; k < edits && bytes.length > 0; k++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
  return bytes;
}

function fuzz(src: Uint8Array, parse: (b: Uint8Array) => unknown, typed: (e: unknown) => boolean, seed: number) {
  const rand = rng(seed);
  const outcomes = { ok: 0, typed: 0, slowest: 0 };
  for (let i = 0; i < MUTANTS; i++) {
    const bytes = mutate(src, rand);
    const t0 = performance.now();
    try {
      parse(bytes);
      outcomes.ok++;
    } catch (err) {
      if (!typed(err)) throw new Error(`mutant ${i}: untyped ${String(err)}`, { cause: err });
      expect((err as Error).message.length).toBeGreaterThan(10);
      outcomes.typed++;
    }
    outcomes.slowest = Math.max(outcomes.slowest, performance.now() - t0);
  }
  return outcomes;
}

describe('corrupt model files', () => {
  it('TFLite (the installed selfie segmenter, mutated): TfliteFormatError or TfliteConversionError, fast', () => {
    const path = resolve(MODELS, 'selfie_segmentation_landscape.tflite');
    expect(existsSync(path), `${path} is installed by npm ci`).toBe(true);
    const r = fuzz(new Uint8Array(readFileSync(path)), (b) => convertTfliteToOnnx(b), (e) => e instanceof TfliteFormatError || e instanceof TfliteConversionError, 1);
    console.log(`TFLite mutants: ${r.ok} converted, ${r.typed} typed errors, slowest ${r.slowest.toFixed(0)} ms`);
    expect(r.typed).toBeGreaterThan(MUTANTS / 4);
    expect(r.slowest).toBeLessThan(BOUND_MS);
    // The bound that matters is per mutant (BOUND_MS); the whole run may take a while on a busy machine.
  }, 120_000);

  it('ONNX (the converted model, mutated) through the BGMv2 loader: ReplacerError, fast', () => {
    const path = resolve(MODELS, 'selfie_segmentation_landscape.onnx');
    expect(existsSync(path), `${path} is made by npm ci`).toBe(true);
    const r = fuzz(new Uint8Array(readFileSync(path)), (b) => inspectBgmv2Model(b), (e) => e instanceof ReplacerError && e.code === 'model-load', 2);
    console.log(`ONNX mutants: ${r.ok} accepted, ${r.typed} typed errors, slowest ${r.slowest.toFixed(0)} ms`);
    // The selfie segmenter is not a BGMv2 model: every mutant is refused, with a reason.
    expect(r.typed).toBe(MUTANTS);
    expect(r.slowest).toBeLessThan(BOUND_MS);
  }, 120_000);
});
