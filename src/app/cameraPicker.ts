import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { RESOLUTIONS, type CameraDevice, type Resolution } from '../sources/camera';

/** Detail of the `camera-change` event. */
export interface CameraChoice {
  deviceId: string;
  resolution: Resolution;
}

/**
 * `<camera-picker>`: a select of cameras and one of resolutions.
 * Dispatches `camera-change` (detail: CameraChoice) when either changes.
 */
@customElement('camera-picker')
export class CameraPicker extends LitElement {
  static override styles = css`
    :host {
      display: flex;
      flex-wrap: wrap;
      gap: 8px;
    }
    label {
      display: flex;
      flex-direction: column;
      gap: 2px;
      font-size: 12px;
      color: var(--muted, #555);
    }
    select {
      font: inherit;
      font-size: 14px;
      padding: 4px;
      min-width: 8em;
    }
  `;

  @property({ attribute: false }) devices: readonly CameraDevice[] = [];
  /** The deviceId in use; empty for none or the browser default. */
  @property() deviceId = '';
  @property() resolution: Resolution = '720p';

  override render() {
    return html`
      <label>
        Camera
        <select data-testid="camera-select" @change=${this.onDevice}>
          ${this.devices.length === 0 ? html`<option value="">No camera</option>` : ''}
          ${this.devices.map((d) => html`<option value=${d.deviceId} ?selected=${d.deviceId === this.deviceId}>${d.label}</option>`)}
        </select>
      </label>
      <label>
        Resolution
        <select data-testid="resolution-select" @change=${this.onResolution}>
          ${RESOLUTIONS.map((r) => html`<option value=${r} ?selected=${r === this.resolution}>${r}</option>`)}
        </select>
      </label>
    `;
  }

  private onDevice(event: Event): void {
    this.emit({ deviceId: (event.target as HTMLSelectElement).value, resolution: this.resolution });
  }

  private onResolution(event: Event): void {
    this.emit({ deviceId: this.deviceId, resolution: (event.target as HTMLSelectElement).value as Resolution });
  }

  private emit(choice: CameraChoice): void {
    this.dispatchEvent(new CustomEvent<CameraChoice>('camera-change', { detail: choice, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'camera-picker': CameraPicker;
  }
}
