import { LitElement, html, nothing, type TemplateResult } from 'lit';
import { customElement, query, state } from 'lit/decorators.js';
import '../element/bg-replacer';
import type { BgReplacerElement } from '../element/bg-replacer';
import type { PlateCaptureOptions, ReplacerStats } from '../element/api';
import type { ReplacerError } from '../errors';
import type { EngineInfo } from '../worker/protocol';
import { OPTION_SPEC, type Backend, type Options } from '../options';
import { initialAppOptions, optionProperties, type AppOptions } from './appOptions';
import { appStyles } from './appStyles';
import { builtinVideoUrl, createBuiltinBackgrounds, type BuiltinBackground } from './backgrounds';
import { cameraLostNotice, engineNotice, ErrorList, isEngineHealthError, noticeStyles } from './notices';
import { PlateController, plateOverlayStyles } from './plateController';
import { SourceController } from './sourceController';
import './errorBanner';
import './hud';
import './modeControls';
import './optionControls';

/** How often the HUD is redrawn from the replacer's stats, in ms. */
const HUD_INTERVAL_MS = 250;

/**
 * `<bg-app>`: the demo page. Opens the default camera on start, shows the processed self-view
 * with a HUD, and offers the source (SourceController), the background mode and image, the
 * option controls of OPTION_SPEC (`<option-controls>`), mirroring, and the background plate
 * (PlateController). Options given in the URL by their attribute name (`?renderer=webgpu`)
 * preset the controls (see initialAppOptions).
 */
@customElement('bg-app')
export class BgApp extends LitElement {
  static override styles = [appStyles, noticeStyles, plateOverlayStyles];

  /** The options set on `<bg-replacer>`, one per element option of OPTION_SPEC. */
  @state() private options: AppOptions = initialAppOptions(location.search);
  @state() private backgrounds: readonly BuiltinBackground[] = [];
  @state() private backgroundUrl: string | null = null;
  /** The user's background video (a blob: URL), or null for the built-in loop. */
  @state() private userVideoUrl: string | null = null;
  @state() private mirror = true;
  @state() private stats: ReplacerStats | null = null;
  /** EngineInfo.notice of the running engine (e.g. no WebGPU: the Canvas 2D path), or null. */
  @state() private engineNotice: string | null = null;
  @query('bg-replacer') private element!: BgReplacerElement | null;

  private readonly errors = new ErrorList(this);
  private readonly source = new SourceController(this, this.errors);
  private readonly plate = new PlateController(this, () => this.element, this.errors);
  private userBackgroundUrl: string | null = null;
  private hudTimer: ReturnType<typeof setInterval> | undefined;

  /** The `<bg-replacer>` element, once rendered. */
  get replacerElement(): BgReplacerElement | null {
    return this.element;
  }

  /** The errors shown in the banner, oldest first. */
  get shownErrors(): readonly ReplacerError[] {
    return this.errors.errors;
  }

  /**
   * Captures the background plate the way the *Capture background* button does (countdown
   * overlay, thumbnail, IndexedDB); the options exist for tests (e.g. a shorter countdown).
   * Errors are shown in the banner, not thrown.
   */
  capturePlate(options: PlateCaptureOptions = {}): Promise<void> {
    return this.plate.capture(options);
  }

  /** Removes the plate from the engine and from IndexedDB. Errors are shown in the banner. */
  clearPlate(): Promise<void> {
    return this.plate.clear();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.hudTimer = setInterval(() => (this.stats = this.element?.stats ?? null), HUD_INTERVAL_MS);
    void this.loadBackgrounds();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.hudTimer);
    if (this.userBackgroundUrl) URL.revokeObjectURL(this.userBackgroundUrl);
    if (this.userVideoUrl) URL.revokeObjectURL(this.userVideoUrl);
  }

  override render() {
    const o = this.options;
    return html`
      <h1>Background replacer</h1>
      <error-banner .errors=${this.errors.errors} @dismiss=${(e: CustomEvent<ReplacerError>) => this.errors.clear((x) => x === e.detail)}></error-banner>
      ${engineNotice(this.engineNotice, this.stats)} ${cameraLostNotice(this.source.cameraLost !== null)} ${this.plate.renderStaleWarning(this.stats)}
      <main>
        <bg-replacer
          data-testid="replacer"
          ${optionProperties(o)}
          .background=${o.mode === 'video' ? (this.userVideoUrl ?? builtinVideoUrl()) : this.backgroundUrl}
          ?mirror=${this.mirror}
          .stream=${this.source.input}
          .depthSource=${this.source.depthSource}
          @error=${(e: CustomEvent<ReplacerError>) => this.errors.show(e.detail)}
          @ended=${() => this.source.onEnded()}
          @ready=${this.onReady}
          @platecountdown=${(e: CustomEvent<number>) => this.plate.setCountdown(e.detail)}
        >
          <app-hud .stats=${this.stats}></app-hud>
          ${this.plate.renderCountdown()}
        </bg-replacer>
        <aside>
          <fieldset>
            <legend>Source</legend>
            ${this.source.render()}
          </fieldset>
          <fieldset @options-change=${(e: CustomEvent<Partial<Options>>) => this.setOptions(e.detail)}>
            <legend>Background</legend>
            <mode-controls
              .mode=${o.mode}
              .blurStrength=${o.blurStrength}
              .color=${o.color}
              .backgroundUrl=${this.backgroundUrl}
              .backgrounds=${this.backgrounds}
              .builtinVideo=${this.userVideoUrl === null}
              @background-change=${(e: CustomEvent<{ url: string }>) => this.setBackground(e.detail.url)}
              @background-file=${(e: CustomEvent<{ file: File }>) => this.setUserBackground(e.detail.file)}
              @video-change=${() => this.setUserVideo(null)}
              @video-file=${(e: CustomEvent<{ file: File }>) => this.setUserVideo(e.detail.file)}
            ></mode-controls>
            <option-controls panel="background" .values=${o} .notes=${{ backend: this.backendNote() }}></option-controls>
          </fieldset>
          <fieldset>
            <legend>Background plate</legend>
            ${this.plate.renderPanel(this.stats)}
          </fieldset>
          <fieldset @options-change=${(e: CustomEvent<Partial<Options>>) => this.setOptions(e.detail)}>
            <legend>View</legend>
            <label>
              <input data-testid="mirror-toggle" type="checkbox" .checked=${this.mirror} @change=${(e: Event) => (this.mirror = (e.target as HTMLInputElement).checked)} />
              Mirror self-view (the sent video is never mirrored)
            </label>
            <option-controls panel="view" .values=${o}></option-controls>
          </fieldset>
        </aside>
      </main>
    `;
  }

  /** Which backend runs, next to the Engine buttons: the one `auto` chose, or the fallback from the one asked for. */
  private backendNote(): TemplateResult | typeof nothing {
    const running = this.stats?.backend ?? null;
    if (!running) return nothing;
    const label = (backend: Backend): string => OPTION_SPEC.backend.control.choices[backend].label;
    if (this.options.backend === 'auto') return html`<small data-testid="backend-running">${label(running)}</small>`;
    if (running !== this.options.backend) return html`<small data-testid="backend-fallback">running ${label(running)} instead</small>`;
    return nothing;
  }

  /** The engine is (again) ready: its earlier failures are over; keep its notice, give it a restored plate. */
  private onReady(event: CustomEvent<EngineInfo>): void {
    this.errors.clear(isEngineHealthError);
    this.engineNotice = event.detail.notice ?? null;
    this.plate.applyPending();
  }

  private async loadBackgrounds(): Promise<void> {
    try {
      this.backgrounds = await createBuiltinBackgrounds();
      this.backgroundUrl ??= this.backgrounds[0]?.url ?? null;
    } catch (err) {
      this.errors.show(err);
    }
  }

  private setOptions(partial: Partial<Options>): void {
    this.options = { ...this.options, ...partial };
  }

  private setBackground(url: string): void {
    this.backgroundUrl = url;
    this.setOptions({ mode: 'image' });
  }

  /** Plays the user's video file (null: the built-in loop) as the background, in `video` mode. */
  private setUserVideo(file: File | null): void {
    if (this.userVideoUrl) URL.revokeObjectURL(this.userVideoUrl);
    this.userVideoUrl = file ? URL.createObjectURL(file) : null;
    this.setOptions({ mode: 'video' });
  }

  private setUserBackground(file: File): void {
    if (this.userBackgroundUrl) URL.revokeObjectURL(this.userBackgroundUrl);
    this.userBackgroundUrl = URL.createObjectURL(file);
    this.setBackground(this.userBackgroundUrl);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'bg-app': BgApp;
  }
}
