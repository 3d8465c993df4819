import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, ReplacerError } from '../../src/errors';
import { parseManifest } from '../../src/models/manifest';
import { splitY4m } from '../../src/sources/y4m';
import { rng } from '../gpu/cases/rng';

// Damaged inputs of the other parsers: a .y4m clip and the model manifest. Each mutant gives
// a result or a typed error with a message (InputError for clips, ReplacerError 'model-load'
// for the manifest) within a time bound; never a hang or an untyped exception.
const MUTANTS = 2000;
const BOUND_MS = 200;

/** A small valid 4:2:0 clip: 3 frames of 16×8. */
function y4mClip(): Uint8Array {
  const header = new TextEncoder().encode('YUV4MPEG2 W16 H8 F30:1 Ip A1:1 C420jpeg XCOLORRANGE=FULL\n');
  const frame = new Uint8Array(16 * 8 * 1.5).map((_, i) => (i * 7) & 255);
  const record = new TextEncoder().encode('FRAME\n');
  const parts = [header, ...[0, 1, 2].flatMap(() => [record, frame])];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function check(i: number, run: () => unknown, typed: (e: unknown) => boolean): { ok: boolean; ms: number } {
  const t0 = performance.now();
  try {
    run();
    return { ok: true, ms: performance.now() - t0 };
  } catch (err) {
    if (!typed(err)) throw new Error(`mutant ${i}: untyped ${String(err)}`, { cause: err });
    expect((err as Error).message.length, `mutant ${i}`).toBeGreaterThan(10);
    return { ok: false, ms: performance.now() - t0 };
  }
}

describe('damaged inputs', () => {
  it('.y4m: bytes overwritten (mostly in the header and record lines) or cut: a clip or an InputError', () => {
    const clip = y4mClip();
    expect(splitY4m(clip).frames).toHaveLength(3);
    const rand = rng(21);
    const characters = new TextEncoder().encode('YUVMPEG2 WHFICAX0123456789:-. \nFRAME\x00\xff');
    let errors = 0;
    let slowest = 0;
    for (let i = 0; i < MUTANTS; i++) {
      const bytes = clip.slice(0, rand() < 0.3 ? Math.floor(rand() * clip.length) : clip.length);
      for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) {
        // Two thirds of the edits hit the first 80 bytes (header and first record).
        const at = rand() < 0.67 ? Math.floor(rand() * Math.min(80, bytes.length)) : Math.floor(rand() * bytes.length);
        bytes[at] = characters[Math.floor(rand() * characters.length)]!;
      }
      const r = check(i, () => splitY4m(bytes), (e) => e instanceof InputError);
      if (!r.ok) errors++;
      slowest = Math.max(slowest, r.ms);
    }
    console.log(`y4m mutants: ${MUTANTS - errors} parsed, ${errors} InputErrors, slowest ${slowest.toFixed(1)} ms`);
    expect(errors).toBeGreaterThan(MUTANTS / 4);
    expect(slowest).toBeLessThan(BOUND_MS);
  });

  it('manifest.json: fields deleted, retyped or replaced: a manifest or a ReplacerError', () => {
    const text = readFileSync(resolve(import.meta.dirname, '../../src/models/manifest.json'), 'utf8');
    const rand = rng(22);
    const odd: unknown[] = [null, 0, -1, 1e9, '', 'x', '../x', [], {}, true, 'ab'.repeat(32), NaN];
    let errors = 0;
    for (let i = 0; i < MUTANTS; i++) {
      const json = JSON.parse(text) as Record<string, unknown>;
      // Walk to a random object inside and damage one field.
      let node: Record<string, unknown> = json;
      for (let depth = 0; depth < 4; depth++) {
        const keys = Object.keys(node);
        const key = keys[Math.floor(rand() * keys.length)]!;
        const next = node[key];
        if (next && typeof next === 'object' && rand() < 0.7) node = next as Record<string, unknown>;
        else break;
      }
      const keys = Object.keys(node);
      const key = keys[Math.floor(rand() * keys.length)]!;
      if (rand() < 0.3) delete node[key];
      else node[key] = odd[Math.floor(rand() * odd.length)];
      const r = check(i, () => parseManifest(json), (e) => e instanceof ReplacerError && e.code === 'model-load');
      if (!r.ok) errors++;
    }
    console.log(`manifest mutants: ${MUTANTS - errors} accepted, ${errors} ReplacerErrors`);
    expect(errors).toBeGreaterThan(MUTANTS / 4);
  });
});
