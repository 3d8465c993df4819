import { css, html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { PlateCaptureOptions, ReplacerStats } from '../element/api';
import type { BgReplacerElement } from '../element/bg-replacer';
import { DEFAULT_COUNTDOWN_SECONDS } from '../element/plateCapture';
import { clearStoredPlate, encodePlate, loadPlate, savePlate, type StoredPlate } from '../sources/plateStore';
import type { ErrorList } from './notices';
import type { PlateView } from './plateControls';
import './plateControls';

/** The countdown overlay's look (over the self-view while a plate is captured). */
export const plateOverlayStyles = css`
  .plate-overlay {
    inset: 0;
    display: flex;
    flex-direction: column;
    align-items: center;
    justify-content: center;
    gap: 8px;
    background: rgba(0, 0, 0, 0.45);
    color: #fff;
    text-shadow: 0 2px 8px rgba(0, 0, 0, 0.6);
    pointer-events: none;
    text-align: center;
  }
  .plate-overlay .hint {
    font-size: clamp(16px, 3vw, 28px);
    font-weight: 600;
  }
  .plate-overlay .count {
    font-size: clamp(64px, 16vw, 180px);
    font-weight: 700;
    line-height: 1;
  }
`;

/**
 * The background plate's UX: capture (a countdown over the self-view, then a thumbnail), saving
 * the background memory as the plate, clear, IndexedDB storage (a stored plate is restored on
 * load and given to the engine once it is ready), and the warning when it no longer fits the
 * scene. Errors go to the app's ErrorList; changes re-render the host.
 */
export class PlateController implements ReactiveController {
  /** The stored / captured plate shown as a thumbnail, or null. */
  plate: PlateView | null = null;
  /** True while a capture runs. */
  capturing = false;
  /** True while the background memory is being saved as the plate. */
  savingMemory = false;
  /** Seconds left in the capture countdown, 0 while frames are collected, null otherwise. */
  countdown: number | null = null;

  /** A plate restored from IndexedDB, waiting to be given to the replacer. */
  private pending: Blob | null = null;
  /** Set by a capture or a clear: a restore that finishes later must not undo them. */
  private touched = false;

  /**
   * @param element the app's `<bg-replacer>`, once rendered
   */
  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly element: () => BgReplacerElement | null,
    private readonly errors: ErrorList,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    void this.restore();
  }

  hostDisconnected(): void {
    this.show(null);
  }

  /**
   * Captures the plate: countdown overlay, thumbnail, IndexedDB. Errors are shown in the banner,
   * not thrown; a call while a capture or a save of the memory runs does nothing.
   * @param options capture options (e.g. a shorter countdown in tests)
   */
  async capture(options: PlateCaptureOptions = {}): Promise<void> {
    const element = this.element();
    if (this.capturing || this.savingMemory || !element) return;
    this.capturing = true;
    // A restore still on its way must not overwrite the new capture.
    this.touched = true;
    this.pending = null;
    this.setCountdown(options.countdownSeconds ?? DEFAULT_COUNTDOWN_SECONDS);
    try {
      await this.keep(await element.capturePlate(options));
    } catch (err) {
      if (!(err instanceof DOMException && err.name === 'AbortError')) this.errors.show(err);
    } finally {
      this.capturing = false;
      this.setCountdown(null);
    }
  }

  /**
   * Saves what the background memory learned as the plate (BackgroundReplacer.saveMemoryAsPlate),
   * then shows and stores it as a captured one. Errors are shown in the banner, not thrown; does
   * nothing while a capture or another save runs.
   */
  async saveMemory(): Promise<void> {
    const element = this.element();
    if (this.capturing || this.savingMemory || !element) return;
    this.savingMemory = true;
    this.touched = true;
    this.pending = null;
    this.host.requestUpdate();
    try {
      await this.keep(await element.saveMemoryAsPlate());
    } catch (err) {
      this.errors.show(err);
    } finally {
      this.savingMemory = false;
      this.host.requestUpdate();
    }
  }

  /** Removes the plate from the engine and from IndexedDB. Errors are shown in the banner. */
  async clear(): Promise<void> {
    this.touched = true;
    this.pending = null;
    this.show(null);
    const results = await Promise.allSettled([this.element()?.clearPlate(), clearStoredPlate()]);
    for (const r of results) if (r.status === 'rejected') this.errors.show(r.reason);
  }

  /** The element's `platecountdown` event: seconds left, then 0 while frames are collected. */
  setCountdown(seconds: number | null): void {
    this.countdown = seconds;
    this.host.requestUpdate();
  }

  /** Gives a restored plate to the replacer (call when the engine is, again, ready); it waits for the engine itself. */
  applyPending(): void {
    const element = this.element();
    const blob = this.pending;
    if (!blob || !element?.replacer) return;
    this.pending = null;
    element.setPlate(blob).catch((err: unknown) => this.errors.show(err));
  }

  /** The big countdown over the self-view while a plate is captured. */
  renderCountdown(): TemplateResult | typeof nothing {
    if (!this.capturing) return nothing;
    const left = this.countdown;
    return html`
      <div class="plate-overlay" data-testid="plate-countdown" role="status" aria-live="assertive">
        ${left === null || left > 0
          ? html`<div class="hint">Step out of the frame</div>
              <div class="count">${left ?? ''}</div>`
          : html`<div class="hint">Capturing…</div>`}
      </div>
    `;
  }

  /** The warning shown while the engine reports that the plate no longer fits the scene (a `.notice`, see noticeStyles). */
  renderStaleWarning(stats: ReplacerStats | null): TemplateResult | typeof nothing {
    if (!stats?.plate || !stats.plateFit?.stale || this.capturing) return nothing;
    return html`
      <div class="notice" data-testid="plate-stale-warning" role="alert">
        <span>The background changed since the plate was captured (lighting or camera moved) — re-capture it.</span>
        <button data-testid="plate-stale-recapture" @click=${() => void this.capture()}>Re-capture</button>
      </div>
    `;
  }

  /** The Background plate panel: `<plate-controls>`; *Save as plate* is enabled once the background memory knows part of the frame. */
  renderPanel(stats: ReplacerStats | null): TemplateResult {
    return html`
      <plate-controls
        .plate=${this.plate}
        ?capturing=${this.capturing}
        ?saving=${this.savingMemory}
        ?ready=${stats?.ready === true}
        ?memory=${(stats?.memory?.coverage ?? 0) > 0}
        @plate-capture=${() => void this.capture()}
        @plate-save-memory=${() => void this.saveMemory()}
        @plate-clear=${() => void this.clear()}
      ></plate-controls>
    `;
  }

  /** Shows the stored plate from IndexedDB and gives it to the replacer (once it exists). */
  private async restore(): Promise<void> {
    try {
      const stored = await loadPlate();
      // A capture or a clear that started meanwhile wins.
      if (!stored || this.touched) return;
      this.show(stored);
      this.pending = stored.blob;
      this.applyPending();
    } catch (err) {
      this.errors.show(err);
    }
  }

  /** Shows a new plate (closed here) as the thumbnail and stores it in IndexedDB. */
  private async keep(bitmap: ImageBitmap): Promise<void> {
    let stored: StoredPlate;
    try {
      stored = await encodePlate(bitmap);
    } finally {
      bitmap.close();
    }
    this.show(stored);
    await savePlate(stored);
  }

  /** Shows `stored` as the plate thumbnail (null: none), releasing the previous one. */
  private show(stored: StoredPlate | null): void {
    if (this.plate) URL.revokeObjectURL(this.plate.url);
    this.plate = stored ? { url: URL.createObjectURL(stored.blob), width: stored.width, height: stored.height, capturedAt: stored.capturedAt } : null;
    this.host.requestUpdate();
  }
}
