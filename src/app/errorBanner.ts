import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { ReplacerError } from '../errors';

/**
 * `<error-banner>`: shows the messages of the given errors, each dismissable.
 * Dispatches `dismiss` (detail: the ReplacerError) when the user closes one.
 */
@customElement('error-banner')
export class ErrorBanner extends LitElement {
  static override styles = css`
    ul {
      list-style: none;
      margin: 0;
      padding: 0;
    }
    li {
      display: flex;
      align-items: flex-start;
      gap: 8px;
      background: #fdecea;
      color: #611a15;
      border: 1px solid #f5c2bd;
      border-radius: 4px;
      padding: 8px 10px;
      margin-bottom: 6px;
    }
    span {
      flex: 1;
    }
    button {
      border: none;
      background: none;
      color: inherit;
      font-size: 16px;
      cursor: pointer;
      line-height: 1;
    }
  `;

  @property({ attribute: false }) errors: readonly ReplacerError[] = [];

  override render() {
    if (this.errors.length === 0) return nothing;
    return html`
      <ul data-testid="error-banner" role="alert">
        ${this.errors.map(
          (error) => html`
            <li data-code=${error.code}>
              <span data-testid="error-message">${error.message}</span>
              <button aria-label="Dismiss" @click=${() => this.dismiss(error)}>×</button>
            </li>
          `,
        )}
      </ul>
    `;
  }

  private dismiss(error: ReplacerError): void {
    this.dispatchEvent(new CustomEvent<ReplacerError>('dismiss', { detail: error, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'error-banner': ErrorBanner;
  }
}
