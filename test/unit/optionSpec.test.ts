// OPTION_SPEC drives the element's properties, the command-line flags and the app's controls:
// each is checked here against the spec, and against a spec with one more option (lightWrap, a
// number 0..1, as the next option will be), which must reach all three with no other edit.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { optionPropertyDeclarations, BgReplacerElement } from '../../src/element/bg-replacer';
import { InvalidOptionError } from '../../src/errors';
import { APP_PANELS, DEFAULT_OPTIONS, ELEMENT_OPTION_NAMES, OPTION_NAMES, OPTION_SPEC, resolveOptions, type OptionSpecEntry, type Options } from '../../src/options';
import { initialAppOptions } from '../../src/app/appOptions';
import { controlModel, controlModels, kebabCase } from '../../src/app/optionControls';
import { optionFlags } from '../../scripts/lib/optionFlags';

type Value = string | number | boolean;

/** The spec plus the next option, as its author will add it. */
const WITH_LIGHT_WRAP: Readonly<Record<string, OptionSpecEntry>> = {
  ...OPTION_SPEC,
  lightWrap: {
    type: { kind: 'number', min: 0, max: 1, step: 0.05 },
    default: 0.3,
    doc: 'Light wrapping: how much of the new background bleeds over the edges of the person.',
    attribute: 'light-wrap',
    flag: 'light-wrap',
    control: { kind: 'slider', label: 'Light wrap', panel: 'background' },
  },
};

/** A valid value of the option other than its default. */
function otherValue(entry: OptionSpecEntry): Value {
  const type = entry.type;
  switch (type.kind) {
    case 'enum':
      return type.values.find((v) => v !== entry.default)!;
    case 'number':
      return entry.default === type.max ? type.min : type.max;
    case 'boolean':
      return !entry.default;
    case 'color':
      return entry.default === '#123abc' ? '#abc123' : '#123abc';
  }
}

const entries = Object.entries(OPTION_SPEC) as [keyof Options, OptionSpecEntry][];

describe('OPTION_SPEC', () => {
  it('gives every option a valid default, a sentence and well-formed names', () => {
    expect(resolveOptions()).toEqual(DEFAULT_OPTIONS);
    expect(Object.keys(DEFAULT_OPTIONS)).toEqual(OPTION_NAMES);
    for (const [name, entry] of entries) {
      expect(entry.doc, name).toMatch(/^[A-Z].*\.$/);
      if (entry.attribute !== null) expect(entry.attribute, name).toBe(kebabCase(name));
      if (entry.flag !== null) expect(entry.flag, name).toMatch(/^[a-z]+(-[a-z0-9]+)*$/);
      if (entry.type.kind === 'enum') expect(entry.type.values, name).toContain(entry.default);
    }
    const flags = entries.map(([, e]) => e.flag).filter((f) => f !== null);
    expect(new Set(flags).size).toBe(flags.length);
  });

  it('gives a control only to element options (the app sets options on the element), fitting their type', () => {
    for (const [name, entry] of entries) {
      if (!entry.control) continue;
      expect(entry.attribute, `${name} has a control but no attribute`).not.toBeNull();
      expect(() => controlModel(name, entry), name).not.toThrow();
      const choices = Object.keys(entry.control.choices ?? {});
      if (entry.type.kind === 'enum') for (const c of choices) expect(entry.type.values, `${name} choice ${c}`).toContain(c);
      else expect(choices, name).toEqual([]);
    }
  });

  it('keeps the element, replay and eval names of today', () => {
    expect(ELEMENT_OPTION_NAMES).toEqual(expect.arrayContaining(['mode', 'blurStrength', 'color', 'backend', 'view', 'matting', 'targetFps', 'standing', 'renderer', 'backgroundMemory']));
    const flagOf = (name: keyof Options): string | null => OPTION_SPEC[name].flag;
    expect(['mode', 'blurStrength', 'color', 'edgeSensitivity', 'backend', 'standing'].map((n) => flagOf(n as keyof Options))).toEqual([
      'mode',
      'blur-strength',
      'color',
      'edge-sensitivity',
      'backend',
      'standing',
    ]);
    expect(['refineMode', 'refineBudget', 'temporalSmoothing'].map((n) => flagOf(n as keyof Options))).toEqual(['refine-mode', 'refine-budget', 'temporal']);
    // Default true, so the command-line switch is --no-background-memory.
    expect(flagOf('backgroundMemory')).toBe('background-memory');
    expect(optionFlags(['backgroundMemory']).usage).toBe('[--no-background-memory]');
  });
});

describe('<bg-replacer> option properties', () => {
  it('declares every option with an attribute as a reflected property of that attribute', () => {
    const observed = BgReplacerElement.observedAttributes;
    for (const [name, entry] of entries) {
      const declared = BgReplacerElement.elementProperties.get(name);
      if (entry.attribute === null) {
        expect(declared, name).toBeUndefined();
        continue;
      }
      expect(observed, name).toContain(entry.attribute);
      expect(declared, name).toMatchObject({ attribute: entry.attribute, reflect: true });
      const type = entry.type.kind === 'number' ? Number : entry.type.kind === 'boolean' ? Boolean : String;
      expect(declared!.type, name).toBe(type);
    }
  });

  it('keeps the non-option properties', () => {
    for (const name of ['background', 'mirror', 'stream', 'depthSource']) expect(BgReplacerElement.elementProperties.has(name), name).toBe(true);
    expect(BgReplacerElement.observedAttributes).toEqual(expect.arrayContaining(['background', 'mirror']));
  });

  it('a new spec entry with an attribute becomes a property', () => {
    expect(optionPropertyDeclarations(WITH_LIGHT_WRAP).lightWrap).toEqual({ attribute: 'light-wrap', reflect: true, type: Number });
    // Boolean attributes: present is true, absent false, and "false" false (background-memory="false").
    const memory = optionPropertyDeclarations().backgroundMemory!;
    expect(memory.attribute).toBe('background-memory');
    const converter = memory.converter as { fromAttribute(v: string | null): boolean; toAttribute(v: unknown): string | null };
    expect([converter.fromAttribute(''), converter.fromAttribute('false'), converter.fromAttribute(null), converter.fromAttribute('true')]).toEqual([true, false, false, true]);
    expect([converter.toAttribute(true), converter.toAttribute(false)]).toEqual(['', null]);
  });
});

describe('command-line option flags', () => {
  const flags = optionFlags();

  it('takes every option with a flag; each round-trips through resolveOptions, alone', () => {
    expect(flags.names).toEqual(entries.filter(([, e]) => e.flag !== null).map(([n]) => n));
    for (const [name, entry] of entries) {
      if (entry.flag === null) continue;
      const value = otherValue(entry);
      const argv = typeof value === 'boolean' ? [`--${value ? entry.flag : `no-${entry.flag}`}`] : [`--${entry.flag}`, String(value)];
      expect(flags.usage, name).toContain(`[${argv[0]}`);
      const { partial, options } = flags.read(flags.parse({}, argv));
      expect(partial, name).toEqual({ [name]: value });
      expect(options[name], name).toBe(value);
    }
  });

  it('keeps the command flags and the fixed options apart', () => {
    const values = flags.parse({ input: { type: 'string' }, gpu: { type: 'boolean', default: false } }, ['--input', 'a.y4m', '--temporal', '0.5']);
    expect(values.input).toBe('a.y4m');
    expect(values.gpu).toBe(false);
    expect(flags.read(values, { mode: 'color' }).partial).toEqual({ mode: 'color', temporalSmoothing: 0.5 });
    expect(flags.read(flags.parse({}, ['--mode', 'off']), { mode: 'color' }).partial).toEqual({ mode: 'off' });
    expect(() => flags.parse({ mode: { type: 'string' } }, [])).toThrow(/--mode: both/);
  });

  it('one subset per command, e.g. eval', () => {
    const evalFlags = optionFlags(['refineMode', 'refineBudget', 'temporalSmoothing', 'backend']);
    expect(Object.keys(evalFlags.config)).toEqual(['backend', 'refine-mode', 'refine-budget', 'temporal']);
    expect(evalFlags.usage).toBe('[--backend auto|onnx-webgpu|tasks-vision] [--refine-mode sampling|thresholding|full] [--refine-budget 0..1] [--temporal 0..0.9]');
    expect(() => evalFlags.parse({}, ['--mode', 'off'])).toThrow(/Unknown option '--mode'/);
    expect(() => optionFlags(['view'])).toThrow(/view has no command-line flag/);
  });

  it('names the option of a bad value, in one line', () => {
    const bad = (argv: string[]): InvalidOptionError => {
      try {
        flags.read(flags.parse({}, argv));
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidOptionError);
        expect((err as Error).message).not.toContain('\n');
        return err as InvalidOptionError;
      }
      throw new Error(`${argv.join(' ')} was accepted`);
    };
    expect(bad(['--mode', 'purple']).option).toBe('mode');
    expect(bad(['--edge-sensitivity', 'abc']).message).toContain('"abc"');
    expect(bad(['--edge-sensitivity', '']).option).toBe('edgeSensitivity');
    expect(bad(['--temporal', '0.95']).option).toBe('temporalSmoothing');
    expect(bad(['--color', 'red']).option).toBe('color');
  });

  it('a new spec entry with a flag becomes a flag', () => {
    const next = optionFlags(undefined, WITH_LIGHT_WRAP);
    expect(next.config['light-wrap']).toEqual({ type: 'string' });
    expect(next.usage).toContain('[--light-wrap 0..1]');
    expect(next.help).toMatch(/--light-wrap 0\.\.1 +Light wrapping: .* Default 0\.3\./);
    expect(next.convert(next.parse({}, ['--light-wrap', '0.5']))).toEqual({ lightWrap: 0.5 });
  });
});

describe('app option controls', () => {
  it('yields one control per option with a UI descriptor, on its panel', () => {
    for (const panel of APP_PANELS) {
      const names = controlModels(panel).map((m) => m.name);
      expect(names, panel).toEqual(entries.filter(([, e]) => e.control?.panel === panel).map(([n]) => n));
    }
    const all = APP_PANELS.flatMap((panel) => controlModels(panel));
    expect(all.map((m) => m.name).sort()).toEqual(entries.filter(([, e]) => e.control).map(([n]) => n).sort());
  });

  it('keeps the test ids and labels the e2e tests use', () => {
    const byName = new Map(APP_PANELS.flatMap((panel) => controlModels(panel)).map((m) => [m.name, m]));
    const testIds = (name: string): string[] => {
      const m = byName.get(name)!;
      return m.kind === 'buttons' ? m.choices.map((c) => c.testId) : [m.testId];
    };
    expect(testIds('view')).toEqual(['view-select']);
    expect(testIds('targetFps')).toEqual(['adaptive-toggle']);
    expect(testIds('standing')).toEqual(['standing-toggle']);
    expect(testIds('backend')).toEqual(['backend-auto', 'backend-onnx-webgpu', 'backend-tasks-vision']);
    expect(testIds('matting')).toEqual(['matting-classic', 'matting-rvm', 'matting-bgmv2']);
    const view = byName.get('view')!;
    expect(view.kind === 'select' && view.choices.map((c) => c.label)).toEqual(['Composite', 'Alpha (pha)', 'Foreground (fgr)', 'Error (err)', 'Refined tiles (ref)', 'Background memory (mem)']);
  });

  it('shows targetFps as a switch between its default and 0', () => {
    const m = controlModel('targetFps', OPTION_SPEC.targetFps)!;
    expect(m).toMatchObject({ kind: 'checkbox', label: `Adapt quality to hold ${DEFAULT_OPTIONS.targetFps} fps`, on: DEFAULT_OPTIONS.targetFps, off: 0 });
    if (m.kind !== 'checkbox') throw new Error('not a checkbox');
    expect([m.checked(30), m.checked(0)]).toEqual([true, false]);
  });

  it('rejects a control that does not fit its option', () => {
    expect(() => controlModel('mode', { ...OPTION_SPEC.mode, control: { kind: 'slider', label: 'Mode', panel: 'background' } })).toThrow(/mode \(enum\): a slider control does not fit/);
  });

  it('a new spec entry with a slider becomes a slider', () => {
    const m = controlModels('background', WITH_LIGHT_WRAP).find((c) => c.name === 'lightWrap');
    expect(m).toMatchObject({ kind: 'slider', testId: 'light-wrap-slider', label: 'Light wrap', min: 0, max: 1, step: 0.05 });
  });
});

describe('initialAppOptions', () => {
  afterEach(() => vi.restoreAllMocks());

  it('starts from the defaults of the element options', () => {
    expect(initialAppOptions('')).toEqual(Object.fromEntries(ELEMENT_OPTION_NAMES.map((n) => [n, DEFAULT_OPTIONS[n]])));
  });

  it('takes element options from the URL by attribute name, ignoring bad values', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const o = initialAppOptions('?renderer=webgpu&target-fps=0&standing&blur-strength=strong&mode=sepia&refine-budget=0.5');
    expect(o).toMatchObject({ renderer: 'webgpu', targetFps: 0, standing: true, blurStrength: 'strong', mode: 'blur' });
    expect(o).not.toHaveProperty('refineBudget');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(initialAppOptions('?standing=false').standing).toBe(false);
  });
});
