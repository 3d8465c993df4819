import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { buttonStyles } from './buttonStyles';

/** The plate as the page shows it: a thumbnail URL and when it was captured. */
export interface PlateView {
  /** Object URL of the plate PNG. */
  url: string;
  width: number;
  height: number;
  capturedAt: Date;
}

/**
 * `<plate-controls>`: the background-plate section: a *Capture background* button, or, with a
 * plate, its thumbnail with *Re-capture* and *Clear*; beside them *Save as plate*, which takes
 * what the background memory learned as the plate (enabled while it knows part of the frame).
 *
 * Events (bubbling, composed): `plate-capture`, `plate-save-memory`, `plate-clear` (no detail).
 */
@customElement('plate-controls')
export class PlateControls extends LitElement {
  static override styles = [
    buttonStyles,
    css`
    :host {
      display: flex;
      flex-direction: column;
      gap: 8px;
      font-size: 13px;
    }
    p {
      margin: 0;
      color: var(--muted, #555);
      font-size: 12px;
    }
    .row {
      display: flex;
      gap: 8px;
      align-items: center;
      flex-wrap: wrap;
    }
    figure {
      margin: 0;
      display: flex;
      gap: 10px;
      align-items: center;
    }
    img {
      width: 128px;
      aspect-ratio: 16 / 9;
      object-fit: cover;
      border-radius: 4px;
      border: 1px solid #ccd1d8;
      background: #222;
    }
    figcaption {
      font-size: 12px;
      color: var(--muted, #555);
    }
    button.primary {
      background: #1f5fbf;
      border-color: #1f5fbf;
      color: #fff;
    }
    button:disabled {
      opacity: 0.55;
      cursor: default;
    }
  `,
  ];

  /** The stored plate, or null. */
  @property({ attribute: false }) plate: PlateView | null = null;
  /** True while a capture runs (buttons disabled). */
  @property({ type: Boolean }) capturing = false;
  /** True while the background memory is being saved as the plate (buttons disabled). */
  @property({ type: Boolean }) saving = false;
  /** True once frames are processed (capturing needs the engine and a video). */
  @property({ type: Boolean }) ready = false;
  /** True while the background memory knows part of the frame (stats.memory.coverage > 0): it can be saved. */
  @property({ type: Boolean }) memory = false;

  override render() {
    const plate = this.plate;
    const disabled = this.capturing || this.saving || !this.ready;
    const saveTitle = this.memory
      ? 'Saves the background remembered around you during the call as the plate, kept in this browser like a captured one (the parts it has not seen stay unknown)'
      : 'Available once the background memory (Remember the background) has learned part of the scene; it does not learn while a plate is set';
    const title = this.ready ? 'Counts down 3 seconds: step out of the frame, then a clean background is captured' : 'Waiting for the engine to start';
    return html`
      ${plate
        ? html`
            <figure>
              <img data-testid="plate-thumbnail" src=${plate.url} alt="Captured background plate" />
              <figcaption>
                ${plate.width}×${plate.height}<br />
                captured ${formatDate(plate.capturedAt)}
              </figcaption>
            </figure>
          `
        : html`<p>Optional: capture the empty scene (you step out of the frame) for cleaner edges around you.</p>`}
      <div class="row">
        <button data-testid="plate-capture" class=${plate ? '' : 'primary'} ?disabled=${disabled} title=${title} @click=${() => this.fire('plate-capture')}>
          ${this.capturing ? 'Capturing…' : plate ? 'Re-capture' : 'Capture background'}
        </button>
        <button data-testid="plate-save-memory" ?disabled=${disabled || !this.memory} title=${saveTitle} @click=${() => this.fire('plate-save-memory')}>
          ${this.saving ? 'Saving…' : 'Save as plate'}
        </button>
        ${plate ? html`<button data-testid="plate-clear" ?disabled=${this.capturing || this.saving} @click=${() => this.fire('plate-clear')}>Clear</button>` : nothing}
      </div>
    `;
  }

  private fire(type: 'plate-capture' | 'plate-save-memory' | 'plate-clear'): void {
    this.dispatchEvent(new CustomEvent(type, { bubbles: true, composed: true }));
  }
}

function formatDate(date: Date): string {
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

declare global {
  interface HTMLElementTagNameMap {
    'plate-controls': PlateControls;
  }
}
