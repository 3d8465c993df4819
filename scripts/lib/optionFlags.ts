// The command lines' option flags (npm run replay, npm run eval), derived from OPTION_SPEC:
// the parseArgs config, the conversion of the parsed strings to typed values, validation through
// resolveOptions, and the usage and help texts. A spec entry with a `flag` is a flag here.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { InvalidOptionError } from '../../src/errors';
import { OPTION_SPEC, resolveOptions, type Options, type OptionSpecEntry } from '../../src/options';

/** What parseArgs gives for a config: the values of its flags. */
type ParsedValues<T extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ options: T; strict: true; allowPositionals: false }>>['values'];

/** parseArgs' values, as `read` takes them (flags of the command itself are ignored). */
export type FlagValues = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

/** One option flag. */
interface OptionFlag {
  /** The option. */
  name: string;
  entry: OptionSpecEntry;
  /** The flag without its dashes: the spec's `flag`, or `no-<flag>` for a boolean that defaults to true. */
  flag: string;
  /** What follows the flag in the usage text ('' for a boolean switch). */
  arg: string;
}

/** The option flags of one command. */
export interface OptionFlags {
  /** The options the flags set, in the spec's order. */
  readonly names: readonly string[];
  /**
   * parseArgs `options` entries, one per flag: a string flag, or for a boolean option a switch
   * that sets the value other than its default (`--standing`; `--no-<flag>` where the default is true).
   */
  readonly config: Readonly<Record<string, { type: 'string' | 'boolean' }>>;
  /** The flags for a usage line, e.g. `[--mode blur|image|color|off] [--edge-sensitivity 0.01..1] [--standing]`. */
  readonly usage: string;
  /** One line per flag: the flag with its values, the option's doc and its default. */
  readonly help: string;
  /**
   * Parses a command line with the command's own flags and these.
   * @param own the command's own parseArgs options (none may share a name with an option flag)
   * @param args the arguments (default: process.argv after the script)
   * @throws Error (parseArgs' TypeError) for an unknown flag or a missing value; Error for a name clash
   */
  parse<T extends ParseArgsOptionsConfig>(own: T, args?: string[]): ParsedValues<T> & FlagValues;
  /**
   * The option values the flags give, converted (numbers, booleans), not validated.
   * @throws InvalidOptionError naming the option when a number flag's value is not a number
   */
  convert(values: FlagValues): Partial<Options>;
  /**
   * The options the command line sets, converted and validated through resolveOptions.
   * @param fixed options the command sets itself, under the flags (a flag given overrides them)
   * @returns `partial`: only the fixed options and those given on the command line (what goes to
   *   the page, whose own defaults apply to the rest); `options`: partial filled with DEFAULT_OPTIONS
   * @throws InvalidOptionError naming the first bad option (its message is one line)
   */
  read(values: FlagValues, fixed?: Partial<Options>): { partial: Partial<Options>; options: Readonly<Options> };
}

/** What a flag takes, for the usage text: its values, range or form. */
function flagArg(entry: OptionSpecEntry): string {
  const type = entry.type;
  switch (type.kind) {
    case 'enum':
      return type.values.join('|');
    case 'number':
      return `${type.min}..${type.max}`;
    case 'color':
      return '#rrggbb';
    case 'boolean':
      return '';
  }
}

/** Converts one flag's parsed value to the option's type (booleans: the switch sets the non-default value). */
function convertValue(f: OptionFlag, raw: string | boolean): string | number | boolean {
  const type = f.entry.type;
  if (type.kind === 'boolean') return !f.entry.default;
  const text = String(raw);
  if (type.kind !== 'number') return text;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new InvalidOptionError(f.name, `expected a number in ${type.min}..${type.max}, got ${JSON.stringify(text)}`);
  return n;
}

/**
 * The flags of the given options.
 * @param names the options the command takes (default: every option with a `flag` in the spec)
 * @param spec the option table (OPTION_SPEC; another one in tests)
 * @throws Error when a named option is not in the spec or has no flag
 */
export function optionFlags(names?: readonly string[], spec: Readonly<Record<string, OptionSpecEntry>> = OPTION_SPEC): OptionFlags {
  const wanted = names ?? Object.keys(spec).filter((name) => spec[name]!.flag !== null);
  const flags: OptionFlag[] = Object.keys(spec)
    .filter((name) => wanted.includes(name))
    .map((name) => {
      const entry = spec[name]!;
      if (entry.flag === null) throw new Error(`option ${name} has no command-line flag in OPTION_SPEC`);
      const flag = entry.type.kind === 'boolean' && entry.default === true ? `no-${entry.flag}` : entry.flag;
      return { name, entry, flag, arg: flagArg(entry) };
    });
  const unknown = wanted.filter((name) => !Object.hasOwn(spec, name));
  if (unknown.length) throw new Error(`not options: ${unknown.join(', ')}`);

  const config = Object.fromEntries(flags.map((f) => [f.flag, { type: f.entry.type.kind === 'boolean' ? ('boolean' as const) : ('string' as const) }]));
  const usage = flags.map((f) => `[--${f.flag}${f.arg ? ` ${f.arg}` : ''}]`).join(' ');
  const width = Math.max(0, ...flags.map((f) => f.flag.length + f.arg.length + 3));
  const help = flags.map((f) => `  ${`--${f.flag}${f.arg ? ` ${f.arg}` : ''}`.padEnd(width)}  ${f.entry.doc} Default ${String(f.entry.default)}.`).join('\n');

  const convert = (values: FlagValues): Partial<Options> => {
    const partial: Record<string, string | number | boolean> = {};
    for (const f of flags) {
      const raw = values[f.flag];
      if (raw === undefined || raw === false) continue;
      // parseArgs gives an array only for `multiple` flags, which these are not.
      partial[f.name] = convertValue(f, Array.isArray(raw) ? raw[raw.length - 1]! : raw);
    }
    return partial as Partial<Options>;
  };

  return {
    names: flags.map((f) => f.name),
    config,
    usage,
    help,
    parse<T extends ParseArgsOptionsConfig>(own: T, args: string[] = process.argv.slice(2)): ParsedValues<T> & FlagValues {
      const clash = Object.keys(own).filter((key) => Object.hasOwn(config, key));
      if (clash.length) throw new Error(`--${clash.join(', --')}: both a command flag and an option flag`);
      return parseArgs({ args, options: { ...own, ...config }, strict: true, allowPositionals: false }).values as ParsedValues<T> & FlagValues;
    },
    convert,
    read(values: FlagValues, fixed: Partial<Options> = {}) {
      const partial = { ...fixed, ...convert(values) };
      return { partial, options: resolveOptions(partial) };
    },
  };
}

