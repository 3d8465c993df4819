import { css, html, nothing, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { ReplacerStats } from '../element/api';
import { toReplacerError } from '../element/toReplacerError';
import type { ReplacerError } from '../errors';

/** At most this many error messages are shown at once (newest kept). */
const MAX_ERRORS = 4;

/** What the app says when the GPU was lost for good and the engine fell back to the Canvas 2D path. */
const GPU_LOST_NOTICE =
  'WebGPU stopped working (the GPU device was lost and no new one could be had). Using the slower Canvas 2D path: blur, background images, videos and colours and edge refinement work; the background plate and the background memory do not.';

/**
 * Whether `error` is about the engine's health — it crashed, hung, could not start, failed for
 * good, a frame failed, the GPU device was lost — and so is over once the engine is ready again
 * (a `ready` event after it). Not the camera's, the files' or the options' errors, nor what
 * the user must redo (a plate capture cut off by a restart: 'engine-not-ready').
 */
export function isEngineHealthError(error: ReplacerError): boolean {
  return error.code === 'engine-failed' || error.code === 'gpu-device-lost';
}

/**
 * The errors the app's banner shows (`<error-banner>`), oldest first: at most MAX_ERRORS, each
 * message once. Changes re-render the host.
 */
export class ErrorList {
  private list: readonly ReplacerError[] = [];

  constructor(private readonly host: ReactiveControllerHost) {}

  /** The errors shown, oldest first. */
  get errors(): readonly ReplacerError[] {
    return this.list;
  }

  /** Shows an error (anything thrown, turned into a ReplacerError); one with the same message as a shown one is dropped. */
  show(err: unknown): void {
    const error = toReplacerError(err, { code: 'unsupported-input', context: 'Something went wrong' });
    if (this.list.some((e) => e.message === error.message)) return;
    this.list = [...this.list, error].slice(-MAX_ERRORS);
    this.host.requestUpdate();
  }

  /** Removes the errors that `match` picks. */
  clear(match: (error: ReplacerError) => boolean): void {
    const kept = this.list.filter((e) => !match(e));
    if (kept.length === this.list.length) return;
    this.list = kept;
    this.host.requestUpdate();
  }
}

/** The look of the app's notices (a `.notice` with a `span` of text and optional buttons). */
export const noticeStyles = css`
  .notice {
    display: flex;
    align-items: center;
    gap: 10px;
    background: #fff4e5;
    color: #663c00;
    border: 1px solid #ffd8a8;
    border-radius: 4px;
    padding: 8px 10px;
    margin-bottom: 8px;
  }
  .notice span {
    flex: 1;
  }
  .notice button {
    font: inherit;
    font-size: 13px;
    padding: 4px 10px;
    border: 1px solid #c77700;
    border-radius: 4px;
    background: #fff;
    cursor: pointer;
  }
`;

/**
 * What the engine says about how it runs, when that limits it (no WebGPU: the Canvas 2D path).
 * @param notice EngineInfo.notice of the running engine, or null
 * @param stats the latest stats (a `canvas2d` renderer without a notice: the GPU was lost for good)
 */
export function engineNotice(notice: string | null, stats: ReplacerStats | null): TemplateResult | typeof nothing {
  const text = notice ?? (stats?.renderer === 'canvas2d' ? GPU_LOST_NOTICE : null);
  if (!text) return nothing;
  return html`<div class="notice" data-testid="engine-notice" role="status">
    <span>${text}</span>
  </div>`;
}

/** The notice shown while the camera is gone and the app waits for it (see SourceController). */
export function cameraLostNotice(lost: boolean): TemplateResult | typeof nothing {
  if (!lost) return nothing;
  return html`
    <div class="notice" data-testid="camera-lost" role="status" aria-live="polite">
      <span>The camera disconnected (unplugged, or taken by another app). Waiting for it to come back — or pick another camera or a file.</span>
    </div>
  `;
}
