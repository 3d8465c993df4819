import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { buttonStyles, rowStyles } from './buttonStyles';
import { DEFAULT_OPTIONS, OPTION_SPEC, type AppPanel, type OptionName, type Options, type OptionSpecEntry } from '../options';

/** A value of any option. */
type OptionValue = string | number | boolean;

/** One value of a `buttons` or `select` control. */
export interface ChoiceModel {
  value: string;
  label: string;
  title: string | null;
  /** `data-testid` of its button (`buttons` controls). */
  testId: string;
}

/**
 * What one option's control shows and sets, worked out from its spec entry. A checkbox's `on` and
 * `off` are the values checking and unchecking set, `checked(value)` whether a value shows checked.
 */
export type ControlModel = { name: string; label: string; title: string } & (
  | { kind: 'buttons'; choices: ChoiceModel[] }
  | { kind: 'select'; testId: string; choices: ChoiceModel[] }
  | { kind: 'checkbox'; testId: string; on: OptionValue; off: OptionValue; checked: (value: OptionValue) => boolean }
  | { kind: 'slider'; testId: string; min: number; max: number; step: number }
  | { kind: 'color'; testId: string }
);

/** `blurStrength` → `blur-strength`. */
export function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * The model of one option's control (see OptionControl in src/options.ts for the kinds and test ids).
 * @throws Error when the control's kind does not fit the option's type (e.g. a slider for an enum)
 */
export function controlModel(name: string, entry: OptionSpecEntry): ControlModel | null {
  const control = entry.control;
  if (!control) return null;
  const type = entry.type;
  const base = { name, label: control.label, title: control.title ?? entry.doc };
  const testId = (suffix: string): string => control.testId ?? `${kebabCase(name)}-${suffix}`;
  const misfit = (): Error => new Error(`option ${name} (${type.kind}): a ${control.kind} control does not fit its type`);
  switch (control.kind) {
    case 'buttons':
    case 'select': {
      if (type.kind !== 'enum') throw misfit();
      const choices = type.values.map((value) => {
        const shown = control.choices?.[value];
        return { value, label: shown?.label ?? value.charAt(0).toUpperCase() + value.slice(1), title: shown?.title ?? null, testId: `${kebabCase(name)}-${value}` };
      });
      return control.kind === 'buttons' ? { ...base, kind: 'buttons', choices } : { ...base, kind: 'select', testId: testId('select'), choices };
    }
    case 'checkbox':
      if (type.kind === 'boolean') return { ...base, kind: 'checkbox', testId: testId('toggle'), on: true, off: false, checked: (value) => value === true };
      if (type.kind !== 'number') throw misfit();
      // A number as a switch: on is the default, off the minimum (e.g. targetFps: 30 or 0, adaptation off).
      return { ...base, kind: 'checkbox', testId: testId('toggle'), on: entry.default, off: type.min, checked: (value) => typeof value === 'number' && value > type.min };
    case 'slider':
      if (type.kind !== 'number') throw misfit();
      return { ...base, kind: 'slider', testId: testId('slider'), min: type.min, max: type.max, step: type.step };
    case 'color':
      if (type.kind !== 'color') throw misfit();
      return { ...base, kind: 'color', testId: testId('input') };
  }
}

/**
 * The controls of one panel of the app, in the spec's order.
 * @param panel the app panel
 * @param spec the option table (OPTION_SPEC; another one in tests)
 * @throws Error when a control does not fit its option's type
 */
export function controlModels(panel: AppPanel, spec: Readonly<Record<string, OptionSpecEntry>> = OPTION_SPEC): ControlModel[] {
  return Object.entries(spec)
    .filter(([, entry]) => entry.control?.panel === panel)
    .map(([name, entry]) => controlModel(name, entry)!);
}

/**
 * `<option-controls panel="…">`: the controls of one app panel, one per OPTION_SPEC entry whose
 * `control` is on that panel (buttons, select, checkbox, slider or colour input), showing `values`.
 *
 * Events (bubbling, composed): `options-change` (detail: Partial<Options>, the one option changed).
 */
@customElement('option-controls')
export class OptionControls extends LitElement {
  static override styles = [
    buttonStyles,
    rowStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: 10px;
      }
      label {
        font-size: 13px;
        display: flex;
        align-items: center;
        gap: 6px;
      }
      select {
        font: inherit;
        padding: 4px;
      }
      input[type='range'] {
        flex: 1;
      }
      output {
        min-width: 3em;
        font-variant-numeric: tabular-nums;
      }
    `,
  ];

  /** Which panel's controls to show. */
  @property() panel: AppPanel = 'background';
  /** The options shown; a missing one shows its default. */
  @property({ attribute: false }) values: Partial<Options> = {};
  /** Extra content at the end of an option's control (e.g. which backend actually runs). */
  @property({ attribute: false }) notes: Partial<Record<OptionName, TemplateResult | string>> = {};

  override render() {
    return controlModels(this.panel).map((model) => this.renderControl(model));
  }

  private renderControl(model: ControlModel): TemplateResult {
    const value = this.value(model.name);
    const note = this.notes[model.name as OptionName] ?? nothing;
    switch (model.kind) {
      case 'buttons':
        return html`
          <div class="row" role="group" aria-label=${model.label} title=${model.title}>
            <span class="label">${model.label}</span>
            ${model.choices.map(
              (c) => html`
                <button data-testid=${c.testId} aria-pressed=${String(value === c.value)} title=${c.title ?? nothing} @click=${() => this.change(model.name, c.value)}>
                  ${c.label}
                </button>
              `,
            )}
            ${note}
          </div>
        `;
      case 'select':
        return html`
          <label title=${model.title}>
            ${model.label}
            <select data-testid=${model.testId} @change=${(e: Event) => this.change(model.name, (e.target as HTMLSelectElement).value)}>
              ${model.choices.map((c) => html`<option value=${c.value} ?selected=${c.value === value}>${c.label}</option>`)}
            </select>
            ${note}
          </label>
        `;
      case 'checkbox':
        return html`
          <label title=${model.title}>
            <input
              data-testid=${model.testId}
              type="checkbox"
              .checked=${model.checked(value)}
              @change=${(e: Event) => this.change(model.name, (e.target as HTMLInputElement).checked ? model.on : model.off)}
            />
            ${model.label} ${note}
          </label>
        `;
      case 'slider':
        return html`
          <label title=${model.title}>
            ${model.label}
            <input
              data-testid=${model.testId}
              type="range"
              min=${model.min}
              max=${model.max}
              step=${model.step}
              .value=${String(value)}
              @input=${(e: Event) => this.change(model.name, Number((e.target as HTMLInputElement).value))}
            />
            <output>${value}</output>
            ${note}
          </label>
        `;
      case 'color':
        return html`
          <label title=${model.title}>
            ${model.label}
            <input data-testid=${model.testId} type="color" .value=${String(value)} @input=${(e: Event) => this.change(model.name, (e.target as HTMLInputElement).value)} />
            ${note}
          </label>
        `;
    }
  }

  private value(name: string): OptionValue {
    return (this.values as Readonly<Record<string, OptionValue>>)[name] ?? DEFAULT_OPTIONS[name as OptionName];
  }

  private change(name: string, value: OptionValue): void {
    const detail = { [name]: value } as Partial<Options>;
    this.dispatchEvent(new CustomEvent<Partial<Options>>('options-change', { detail, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'option-controls': OptionControls;
  }
}
