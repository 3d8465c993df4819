import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { buttonStyles, rowStyles } from './buttonStyles';
import { BLUR_STRENGTHS, DEFAULT_OPTIONS, type BlurStrength, type Mode, type Options } from '../options';
import { BUILTIN_VIDEO, type BuiltinBackground } from './backgrounds';

/**
 * `<mode-controls>`: Blur (light / medium / strong), Image (built-in choices and the user's
 * own file), Video (the built-in loop and the user's own file), Colour (with a colour input)
 * and Off — the `mode`, `blurStrength` and `color` options, which share these rows (the app's
 * other option controls are `<option-controls>`).
 *
 * Events (bubbling, composed): `options-change` (detail: Partial<Options>),
 * `background-change` (detail: { url } of a built-in background; implies `image` mode),
 * `background-file` (detail: { file } the user picked; implies `image` mode),
 * `video-change` (detail: { url: null }: the built-in loop; implies `video` mode),
 * `video-file` (detail: { file } the user picked; implies `video` mode).
 */
@customElement('mode-controls')
export class ModeControls extends LitElement {
  static override styles = [
    buttonStyles,
    rowStyles,
    css`
    :host {
      display: flex;
      flex-direction: column;
      gap: 10px;
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

  @property() mode: Mode = DEFAULT_OPTIONS.mode;
  @property() blurStrength: BlurStrength = DEFAULT_OPTIONS.blurStrength;
  @property() color: string = DEFAULT_OPTIONS.color;
  /** URL of the background in use for `image` mode. */
  @property() backgroundUrl: string | null = null;
  @property({ attribute: false }) backgrounds: readonly BuiltinBackground[] = [];
  /** Whether the video in use for `video` mode is the built-in loop (false: the user's file). */
  @property({ type: Boolean }) builtinVideo = true;

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
      <div class="row" role="group" aria-label="Video">
        <span class="label">Video</span>
        <button data-testid="mode-video" aria-pressed=${pressed(this.mode === 'video')} @click=${() => this.options({ mode: 'video' })}>Video</button>
        <button
          data-testid="video-${BUILTIN_VIDEO.id}"
          title="${BUILTIN_VIDEO.label} (built-in loop)"
          aria-pressed=${pressed(this.mode === 'video' && this.builtinVideo)}
          @click=${() => this.emit('video-change', { url: null })}
        >
          ${BUILTIN_VIDEO.label}
        </button>
        <input data-testid="video-file" type="file" accept="video/*" aria-label="Your own background video" @change=${this.onVideoFile} />
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
    `;
  }

  private onFile(event: Event): void {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    if (file) this.emit('background-file', { file });
    input.value = '';
  }

  private onVideoFile(event: Event): void {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    if (file) this.emit('video-file', { file });
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
