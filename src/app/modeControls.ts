import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { buttonStyles } from './buttonStyles';
import { BACKENDS, BLUR_STRENGTHS, MATTINGS, type Backend, type BackendChoice, type BlurStrength, type Matting, type Mode, type Options } from '../options';
import type { BuiltinBackground } from './backgrounds';

/**
 * `<mode-controls>`: Blur (light / medium / strong), Image (built-in choices and the user's
 * own file), Colour (with a colour input) and Off; and the base-network backend.
 *
 * Events (bubbling, composed): `options-change` (detail: Partial<Options>),
 * `background-change` (detail: { url } of a built-in background; implies `image` mode),
 * `background-file` (detail: { file } the user picked; implies `image` mode).
 */
const BACKEND_LABELS: Record<BackendChoice, string> = { auto: 'Auto', 'onnx-webgpu': 'WebGPU', 'tasks-vision': 'MediaPipe' };
const BACKEND_TITLES: Record<BackendChoice, string> = {
  auto: 'WebGPU on a GPU; MediaPipe where WebGPU runs on the CPU (no GPU)',
  'onnx-webgpu': 'onnxruntime-web on WebGPU: the network runs on the GPU with the rest of the pipeline',
  'tasks-vision': 'MediaPipe tasks-vision (WebAssembly): the fallback where WebGPU inference cannot start',
};

const MATTING_LABELS: Record<Matting, string> = { classic: 'Classic', bgmv2: 'BGMv2' };
const MATTING_TITLES: Record<Matting, string> = {
  classic: 'Segmentation prior, background plate and classical matting',
  bgmv2: 'BackgroundMattingV2 (needs a plate and a model installed with npm run models:fetch)',
};

@customElement('mode-controls')
export class ModeControls extends LitElement {
  static override styles = [
    buttonStyles,
    css`
    :host {
      display: flex;
      flex-direction: column;
      gap: 10px;
    }
    .row {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 6px;
    }
    .label {
      width: 4.5em;
      font-size: 12px;
      color: var(--muted, #555);
    }
    button[aria-pressed='true'] {
      background: #1f5fbf;
      border-color: #1f5fbf;
      color: #fff;
    }
    button.thumb {
      padding: 0;
      width: 64px;
      height: 36px;
      overflow: hidden;
    }
    button.thumb img {
      width: 100%;
      height: 100%;
      object-fit: cover;
      display: block;
    }
    button.thumb[aria-pressed='true'] {
      outline: 3px solid #1f5fbf;
      outline-offset: 1px;
    }
    input[type='color'] {
      width: 40px;
      height: 28px;
      padding: 0;
      border: 1px solid #bbb;
    }
    input[type='file'] {
      font-size: 12px;
      max-width: 15em;
    }
  `,
  ];

  @property() mode: Mode = 'blur';
  @property() blurStrength: BlurStrength = 'medium';
  @property() color = '#00b140';
  /** The backend asked for, and the one running (they differ after a fallback). */
  @property() backend: BackendChoice = 'auto';
  @property() runningBackend: Backend | null = null;
  @property() matting: Matting = 'classic';
  /** URL of the background in use for `image` mode. */
  @property() backgroundUrl: string | null = null;
  @property({ attribute: false }) backgrounds: readonly BuiltinBackground[] = [];

  override render() {
    const pressed = (on: boolean): string => String(on);
    return html`
      <div class="row" role="group" aria-label="Blur">
        <span class="label">Blur</span>
        ${BLUR_STRENGTHS.map(
          (strength) => html`
            <button
              data-testid="mode-blur-${strength}"
              aria-pressed=${pressed(this.mode === 'blur' && this.blurStrength === strength)}
              @click=${() => this.options({ mode: 'blur', blurStrength: strength })}
            >
              ${strength[0]?.toUpperCase()}${strength.slice(1)}
            </button>
          `,
        )}
      </div>
      <div class="row" role="group" aria-label="Image">
        <span class="label">Image</span>
        <button data-testid="mode-image" aria-pressed=${pressed(this.mode === 'image')} @click=${() => this.options({ mode: 'image' })}>Image</button>
        ${this.backgrounds.map(
          (bg) => html`
            <button
              class="thumb"
              title=${bg.label}
              aria-label="${bg.label} background"
              data-testid="background-${bg.id}"
              aria-pressed=${pressed(this.mode === 'image' && this.backgroundUrl === bg.url)}
              @click=${() => this.emit('background-change', { url: bg.url })}
            >
              <img src=${bg.url} alt="" />
            </button>
          `,
        )}
        <input data-testid="background-file" type="file" accept="image/*" aria-label="Your own background image" @change=${this.onFile} />
      </div>
      <div class="row" role="group" aria-label="Colour">
        <span class="label">Colour</span>
        <button data-testid="mode-color" aria-pressed=${pressed(this.mode === 'color')} @click=${() => this.options({ mode: 'color' })}>Colour</button>
        <input
          data-testid="color-input"
          type="color"
          aria-label="Background colour"
          .value=${this.color}
          @input=${(e: Event) => this.options({ mode: 'color', color: (e.target as HTMLInputElement).value })}
        />
      </div>
      <div class="row">
        <span class="label"></span>
        <button data-testid="mode-off" aria-pressed=${pressed(this.mode === 'off')} @click=${() => this.options({ mode: 'off' })}>Off</button>
      </div>
      <div class="row" role="group" aria-label="Segmentation engine">
        <span class="label">Engine</span>
        ${BACKENDS.map(
          (backend) => html`
            <button
              data-testid="backend-${backend}"
              aria-pressed=${pressed(this.backend === backend)}
              title=${BACKEND_TITLES[backend]}
              @click=${() => this.options({ backend })}
            >
              ${BACKEND_LABELS[backend]}
            </button>
          `,
        )}
        ${this.runningBackend && this.backend === 'auto'
          ? html`<small data-testid="backend-running">${BACKEND_LABELS[this.runningBackend]}</small>`
          : this.runningBackend && this.runningBackend !== this.backend
            ? html`<small data-testid="backend-fallback">running ${BACKEND_LABELS[this.runningBackend]} instead</small>`
            : ''}
      </div>
      <div class="row" role="group" aria-label="Matting">
        <span class="label">Matting</span>
        ${MATTINGS.map(
          (matting) => html`
            <button
              data-testid="matting-${matting}"
              aria-pressed=${pressed(this.matting === matting)}
              title=${MATTING_TITLES[matting]}
              @click=${() => this.options({ matting })}
            >
              ${MATTING_LABELS[matting]}
            </button>
          `,
        )}
      </div>
    `;
  }

  private onFile(event: Event): void {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    if (file) this.emit('background-file', { file });
    input.value = '';
  }

  private options(partial: Partial<Options>): void {
    this.emit('options-change', partial);
  }

  private emit(type: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mode-controls': ModeControls;
  }
}
