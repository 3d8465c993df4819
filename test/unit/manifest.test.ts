import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ReplacerError } from '../../src/errors';
import { parseManifest, sha256Hex } from '../../src/models/manifest';

const real = JSON.parse(readFileSync(new URL('../../src/models/manifest.json', import.meta.url), 'utf8')) as {
  version: number;
  models: Record<string, unknown>[];
};
/** The real manifest with its first model changed by `edit`. */
const withModel = (edit: (m: Record<string, unknown>) => void): unknown => {
  const copy = structuredClone(real);
  edit(copy.models[0]!);
  return copy;
};

function modelLoadError(json: unknown): ReplacerError {
  try {
    parseManifest(json);
  } catch (err) {
    expect(err).toBeInstanceOf(ReplacerError);
    expect((err as ReplacerError).code).toBe('model-load');
    return err as ReplacerError;
  }
  throw new Error('expected a model-load ReplacerError, nothing was thrown');
}

describe('parseManifest', () => {
  it('accepts src/models/manifest.json', () => {
    const m = parseManifest(real);
    expect(m.version).toBe(1);
    expect(m.models.length).toBeGreaterThan(0);
    for (const e of m.models) expect(e.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects a bad top level', () => {
    modelLoadError(null);
    modelLoadError('{}');
    modelLoadError({ ...real, version: 2 });
    modelLoadError({ models: real.models });
    modelLoadError({ ...real, models: [] });
    modelLoadError({ ...real, models: {} });
    modelLoadError({ ...real, models: [null] });
  });

  it('rejects a malformed model entry', () => {
    expect(modelLoadError(withModel((m) => (m.sha256 = 'abc'))).message).toContain('sha256');
    modelLoadError(withModel((m) => (m.sha256 = String(m.sha256).toUpperCase())));
    modelLoadError(withModel((m) => (m.sha256 = `${String(m.sha256)}0`)));
    expect(modelLoadError(withModel((m) => (m.file = 'sub/model.tflite'))).message).toContain('file');
    modelLoadError(withModel((m) => (m.file = '..')));
    modelLoadError(withModel((m) => (m.file = '')));
    modelLoadError(withModel((m) => delete m.id));
    modelLoadError(withModel((m) => delete m.licence));
    expect(modelLoadError(withModel((m) => delete m.input)).message).toContain('input');
    modelLoadError(withModel((m) => (m.input = { width: 256, channels: 3 })));
    modelLoadError(withModel((m) => (m.input = { width: 256, height: 0, channels: 3 })));
    modelLoadError(withModel((m) => (m.input = { width: 256.5, height: 144, channels: 3 })));
    modelLoadError(withModel((m) => (m.input = { width: 8192, height: 144, channels: 3 })));
  });
});

describe('sha256Hex', () => {
  it('hashes "abc" to the FIPS 180-2 test vector', async () => {
    const abc = new TextEncoder().encode('abc');
    expect(await sha256Hex(abc.buffer as ArrayBuffer)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('hashes no bytes to the empty-input digest', async () => {
    expect(await sha256Hex(new ArrayBuffer(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
