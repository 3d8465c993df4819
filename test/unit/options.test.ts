import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors';
import { DEFAULT_OPTIONS, parseHexColor, parseOutputTypes, resolveOptions, type Options } from '../../src/options';

/** Runs fn and returns the InvalidOptionError it throws (fails the test otherwise). */
function optionError(fn: () => unknown): InvalidOptionError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect((err as InvalidOptionError).code).toBe('invalid-option');
    return err as InvalidOptionError;
  }
  throw new Error('expected an InvalidOptionError, nothing was thrown');
}

const bad = (input: unknown): string => optionError(() => resolveOptions(input as Partial<Options>)).option;

describe('resolveOptions', () => {
  it('fills every default', () => {
    expect(resolveOptions()).toEqual(DEFAULT_OPTIONS);
    // Today's defaults (a new option adds its own to DEFAULT_OPTIONS through OPTION_SPEC).
    expect(resolveOptions()).toMatchObject({
      mode: 'blur',
      blurStrength: 'medium',
      color: '#00b140',
      backend: 'auto',
      edgeSensitivity: 0.1,
      view: 'com',
      refineMode: 'sampling',
      refineBudget: 0.15,
      refineThreshold: 0.1,
      temporalSmoothing: 0.7,
      backgroundMemory: true,
      matting: 'classic',
      targetFps: 30,
      stageTimings: false,
      standing: false,
      renderer: 'auto',
    });
    expect(resolveOptions({})).toEqual(DEFAULT_OPTIONS);
  });

  it('accepts valid values and lower-cases the colour', () => {
    const o = resolveOptions({ mode: 'color', color: '#AbCdEf', edgeSensitivity: 0.01, blurStrength: 'strong', view: 'pha' });
    expect(o).toMatchObject({ mode: 'color', color: '#abcdef', edgeSensitivity: 0.01, blurStrength: 'strong', view: 'pha' });
    expect(resolveOptions({ edgeSensitivity: 1 }).edgeSensitivity).toBe(1);
  });

  it('names the field of each invalid value', () => {
    expect(bad({ mode: 'sepia' })).toBe('mode');
    expect(bad({ blurStrength: 'max' })).toBe('blurStrength');
    expect(bad({ color: '#12345' })).toBe('color');
    expect(bad({ color: 'red' })).toBe('color');
    expect(bad({ color: '#1234567' })).toBe('color');
    expect(bad({ edgeSensitivity: 0 })).toBe('edgeSensitivity');
    expect(bad({ edgeSensitivity: 2 })).toBe('edgeSensitivity');
    expect(bad({ edgeSensitivity: Number.NaN })).toBe('edgeSensitivity');
    expect(bad({ edgeSensitivity: '0.1' })).toBe('edgeSensitivity');
    expect(bad({ backend: 'onnx' })).toBe('backend');
    expect(bad({ view: 'alpha' })).toBe('view');
    expect(bad({ refineMode: 'topk' })).toBe('refineMode');
    expect(bad({ refineBudget: 1.5 })).toBe('refineBudget');
    expect(bad({ refineThreshold: -0.1 })).toBe('refineThreshold');
    expect(bad({ temporalSmoothing: 0.95 })).toBe('temporalSmoothing');
    expect(bad({ targetFps: -1 })).toBe('targetFps');
    expect(bad({ targetFps: 121 })).toBe('targetFps');
    expect(bad({ stageTimings: 'yes' as unknown as boolean })).toBe('stageTimings');
    expect(bad({ blur: 'light' })).toBe('blur');
  });

  // The unknown-key check must not find names inherited from Object.prototype.
  it('rejects unknown keys that are Object.prototype names', () => {
    expect(bad({ constructor: 'x' })).toBe('constructor');
    expect(bad({ toString: 1 })).toBe('toString');
  });

  it('rejects a non-object input', () => {
    expect(bad(null)).toBe('options');
    expect(bad('blur')).toBe('options');
    expect(bad(3)).toBe('options');
  });

  it('updates from a base: only the given fields change', () => {
    const base = resolveOptions({ mode: 'color', color: '#ff0000' });
    const next = resolveOptions({ edgeSensitivity: 0.5 }, base);
    expect(next).toEqual({ ...base, edgeSensitivity: 0.5 });
    expect(base.edgeSensitivity).toBe(0.1);
    // a bad base value is caught too
    expect(optionError(() => resolveOptions({}, { ...DEFAULT_OPTIONS, color: 'green' })).option).toBe('color');
  });

  it('returns a frozen object', () => {
    const o = resolveOptions({ mode: 'off' });
    expect(Object.isFrozen(o)).toBe(true);
    expect(() => {
      (o as Options).mode = 'blur';
    }).toThrow(TypeError);
  });
});

describe('parseHexColor', () => {
  it('splits #rrggbb into 0..1 components', () => {
    expect(parseHexColor('#ff8000')).toEqual([1, 128 / 255, 0]);
    expect(parseHexColor('#00b140')).toEqual([0, 177 / 255, 64 / 255]);
  });
});

describe('parseOutputTypes', () => {
  it('keeps the order of first appearance and drops duplicates', () => {
    expect(parseOutputTypes('com,pha,com')).toEqual(['com', 'pha']);
    expect(parseOutputTypes(' err , fgr ')).toEqual(['err', 'fgr']);
  });

  it('accepts every output type including ref, mem and depth', () => {
    expect(parseOutputTypes('com,pha,fgr,err,ref,mem,depth')).toEqual(['com', 'pha', 'fgr', 'err', 'ref', 'mem', 'depth']);
  });

  it('the depth read-back is not a view', () => {
    expect(optionError(() => resolveOptions({ view: 'depth' as never })).option).toBe('view');
  });

  it('rejects unknown types and an empty list', () => {
    for (const list of ['foo', 'com,foo', '', ' , ']) {
      expect(optionError(() => parseOutputTypes(list)).option).toBe('output-type');
    }
  });
});
