import { noChange, nothing } from 'lit';
import { Directive, directive, PartType, type ElementPart, type PartInfo } from 'lit/directive.js';
import type { BgReplacerElement } from '../element/bg-replacer';
import { DEFAULT_OPTIONS, ELEMENT_OPTION_NAMES, OPTION_SPEC, pickOptions, validateOptionValue, type ElementOptions } from '../options';

/**
 * The app's option state: every option `<bg-replacer>` takes (the OPTION_SPEC entries with an
 * `attribute`), so every option with an app control reaches the engine through the element.
 */
export type AppOptions = ElementOptions;

/**
 * The app's starting options: the defaults, where the page's URL names an element option by its
 * attribute it overrides them (`?renderer=webgpu`, `?blur-strength=strong`, `?target-fps=0`,
 * `?standing` or `?standing=false`). A value that does not fit its option is ignored with a
 * console warning.
 * @param search the URL's query, e.g. `location.search`
 */
export function initialAppOptions(search: string): AppOptions {
  const params = new URLSearchParams(search);
  const options: Record<string, unknown> = pickOptions(DEFAULT_OPTIONS, ELEMENT_OPTION_NAMES);
  for (const name of ELEMENT_OPTION_NAMES) {
    const spec = OPTION_SPEC[name];
    const text = params.get(spec.attribute);
    if (text === null) continue;
    const value = spec.type.kind === 'number' ? Number(text) : spec.type.kind === 'boolean' ? text !== 'false' : text;
    try {
      options[name] = validateOptionValue(name, spec.type, value);
    } catch (err) {
      console.warn(`bg-app: ?${spec.attribute}=${text} ignored: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return options as AppOptions;
}

/**
 * Sets the app's options as properties of the element it is bound to
 * (`<bg-replacer ${optionProperties(options)}>`), before the element connects on the first
 * render, and afterwards only those whose value changed since the last render, as an attribute
 * binding would.
 */
class OptionPropertiesDirective extends Directive {
  private last: Partial<AppOptions> = {};

  constructor(part: PartInfo) {
    super(part);
    if (part.type !== PartType.ELEMENT) throw new Error('optionProperties() binds to an element: <bg-replacer ${optionProperties(options)}>');
  }

  render(_options: AppOptions): typeof nothing {
    return nothing;
  }

  override update(part: ElementPart, [options]: [AppOptions]): typeof noChange {
    const element = part.element as BgReplacerElement;
    const changed = ELEMENT_OPTION_NAMES.filter((name) => options[name] !== this.last[name]);
    Object.assign(element, pickOptions(options, changed));
    this.last = options;
    return noChange;
  }
}

/** See OptionPropertiesDirective. */
export const optionProperties = directive(OptionPropertiesDirective);
