import { LitElement, css, html, nothing } from 'lit';
import { customElement, query, state } from 'lit/decorators.js';
import '../element/bg-replacer';
import type { BgReplacerElement } from '../element/bg-replacer';
import type { PlateCaptureOptions, ReplacerStats } from '../element/api';
import { ReplacerError } from '../errors';
import type { EngineInfo } from '../worker/protocol';
import { DEFAULT_OPTIONS, OUTPUT_TYPES, RENDERERS, type Options, type RendererChoice } from '../options';
import { toReplacerError } from '../element/toReplacerError';
import { DEFAULT_COUNTDOWN_SECONDS } from '../element/plateCapture';
import { DEFAULT_RESOLUTION, listCameras, openCamera, stopStream, type CameraDevice, type Resolution } from '../sources/camera';
import { checkPlayable, openFileSource } from '../sources/file';
import { DEFAULT_KINECT_BRIDGE_URL, openKinectDepthSource } from '../sources/kinect/depthSource';
import { kinectRecordingSource, looksLikeKinectRecording } from '../sources/kinect/recordingSource';
import type { DepthFrameSource } from '../types/kinect';
import { clearStoredPlate, encodePlate, loadPlate, savePlate, type StoredPlate } from '../sources/plateStore';
import { createBuiltinBackgrounds, type BuiltinBackground } from './backgrounds';
import type { CameraChoice } from './cameraPicker';
import './cameraPicker';
import './errorBanner';
import './hud';
import './modeControls';
import type { PlateView } from './plateControls';
import './plateControls';

/** How often the HUD is redrawn from the replacer's stats, in ms. */
const HUD_INTERVAL_MS = 250;
/** While the camera is gone, how often the app tries to open it again (also on every devicechange), in ms. */
const CAMERA_RETRY_MS = 2_000;
/** At most this many error messages are shown at once (newest kept). */
const MAX_ERRORS = 4;
const VIEWS = OUTPUT_TYPES;
const VIEW_LABELS: Readonly<Record<Options['view'], string>> = {
  com: 'Composite',
  pha: 'Alpha (pha)',
  fgr: 'Foreground (fgr)',
  err: 'Error (err)',
  ref: 'Refined tiles (ref)',
};

/**
 * `<bg-app>`: the demo page. Opens the default camera on start, shows the processed self-view
 * with a HUD, and offers the camera, mode, background, mirror, debug view and file-source
 * controls, and the background plate: capture (with a countdown over the self-view), a
 * thumbnail, re-capture and clear, kept in IndexedDB and restored on load, with a warning
 * when it no longer fits the scene.
 */
@customElement('bg-app')
export class BgApp extends LitElement {
  static override styles = css`
    :host {
      display: block;
      max-width: 1200px;
      margin: 0 auto;
      padding: 16px;
      --muted: #5b6470;
    }
    h1 {
      font-size: 20px;
      margin: 0 0 12px;
    }
    main {
      display: grid;
      grid-template-columns: minmax(0, 1fr) 340px;
      gap: 16px;
      align-items: start;
    }
    @media (max-width: 900px) {
      main {
        grid-template-columns: 1fr;
      }
    }
    bg-replacer {
      aspect-ratio: 16 / 9;
      border-radius: 6px;
    }
    app-hud {
      top: 8px;
      left: 8px;
    }
    aside {
      display: flex;
      flex-direction: column;
      gap: 12px;
    }
    fieldset {
      border: 1px solid #d6dae0;
      border-radius: 6px;
      padding: 10px 12px 12px;
      margin: 0;
      display: flex;
      flex-direction: column;
      gap: 10px;
    }
    legend {
      font-weight: 600;
      font-size: 13px;
      padding: 0 4px;
    }
    label {
      font-size: 13px;
      display: flex;
      align-items: center;
      gap: 6px;
    }
    input[type='file'] {
      font-size: 12px;
    }
    select {
      font: inherit;
      padding: 4px;
    }
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
    .plate-stale {
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
    .plate-stale span {
      flex: 1;
    }
    .plate-stale button {
      font: inherit;
      font-size: 13px;
      padding: 4px 10px;
      border: 1px solid #c77700;
      border-radius: 4px;
      background: #fff;
      cursor: pointer;
    }
  `;

  @state() private input: MediaStream | null = null;
  /** The Azure Kinect (colour + depth through the bridge), when it is the source; replaces `input`. */
  @state() private depthSource: DepthFrameSource | null = null;
  /** The Kinect bridge address typed in the Source panel (`?kinect=URL` presets it and connects). */
  @state() private kinectUrl = new URLSearchParams(location.search).get('kinect') ?? DEFAULT_KINECT_BRIDGE_URL;
  /** What `input` comes from: 'camera', or the name of the chosen file(s). */
  @state() private sourceLabel = 'camera';
  @state() private devices: readonly CameraDevice[] = [];
  @state() private deviceId = '';
  @state() private resolution: Resolution = DEFAULT_RESOLUTION;
  @state() private options: Pick<Options, 'mode' | 'blurStrength' | 'color' | 'view' | 'backend' | 'matting' | 'targetFps' | 'standing' | 'renderer'> = {
    // `?renderer=webgpu|canvas2d` overrides the automatic choice (see Options.renderer).
    renderer: rendererParam(),
    targetFps: DEFAULT_OPTIONS.targetFps,
    standing: DEFAULT_OPTIONS.standing,
    backend: DEFAULT_OPTIONS.backend,
    matting: DEFAULT_OPTIONS.matting,
    mode: DEFAULT_OPTIONS.mode,
    blurStrength: DEFAULT_OPTIONS.blurStrength,
    color: DEFAULT_OPTIONS.color,
    view: DEFAULT_OPTIONS.view,
  };
  @state() private backgrounds: readonly BuiltinBackground[] = [];
  @state() private backgroundUrl: string | null = null;
  @state() private mirror = true;
  @state() private errors: readonly ReplacerError[] = [];
  @state() private stats: ReplacerStats | null = null;
  /** The stored / captured plate shown as a thumbnail, or null. */
  @state() private plate: PlateView | null = null;
  @state() private capturingPlate = false;
  /** Seconds left in the capture countdown, 0 while frames are collected, null otherwise. */
  @state() private plateCountdown: number | null = null;
  @query('bg-replacer') private element!: BgReplacerElement | null;

  /** A plate restored from IndexedDB, waiting to be given to the replacer. */
  private pendingPlate: Blob | null = null;
  /** Set by a capture or a clear: a restore that finishes later must not undo them. */
  private plateTouched = false;

  private userBackgroundUrl: string | null = null;
  private fileSource: { dispose(): void } | null = null;
  private hudTimer: ReturnType<typeof setInterval> | undefined;
  /** EngineInfo.notice of the running engine (e.g. no WebGPU: the Canvas 2D path), or null. */
  @state() private engineNotice: string | null = null;
  private readonly onDeviceChange = (): void => {
    void this.refreshDevices();
    void this.reconnectCamera();
  };
  /**
   * Set while the camera is gone (unplugged, or taken by another app): the device to reopen.
   * The app retries every CAMERA_RETRY_MS and on devicechange, and resumes on its own.
   */
  @state() private cameraLost: { deviceId: string } | null = null;
  private reconnectTimer: ReturnType<typeof setInterval> | undefined;
  private reconnecting = false;
  /** The camera permission's status, watched so that granting it later starts the camera. */
  private permission: PermissionStatus | null = null;
  private readonly onPermissionChange = (): void => {
    if (this.permission?.state === 'granted' && !this.input && !this.depthSource) void this.startCamera({ deviceId: this.deviceId, resolution: this.resolution });
  };

  /** The `<bg-replacer>` element, once rendered. */
  get replacerElement(): BgReplacerElement | null {
    return this.element;
  }

  /** The errors shown in the banner, oldest first. */
  get shownErrors(): readonly ReplacerError[] {
    return this.errors;
  }

  /**
   * Captures the background plate the way the *Capture background* button does (countdown
   * overlay, thumbnail, IndexedDB); the options exist for tests (e.g. a shorter countdown).
   * Errors are shown in the banner, not thrown.
   */
  async capturePlate(options: PlateCaptureOptions = {}): Promise<void> {
    const element = this.element;
    if (this.capturingPlate || !element) return;
    this.capturingPlate = true;
    // A restore still on its way must not overwrite the new capture.
    this.plateTouched = true;
    this.pendingPlate = null;
    this.plateCountdown = options.countdownSeconds ?? DEFAULT_COUNTDOWN_SECONDS;
    try {
      const bitmap = await element.capturePlate(options);
      let stored: StoredPlate;
      try {
        stored = await encodePlate(bitmap);
      } finally {
        bitmap.close();
      }
      this.showPlate(stored);
      await savePlate(stored);
    } catch (err) {
      if (!(err instanceof DOMException && err.name === 'AbortError')) this.showError(err);
    } finally {
      this.capturingPlate = false;
      this.plateCountdown = null;
    }
  }

  /** Removes the plate from the engine and from IndexedDB. Errors are shown in the banner. */
  async clearPlate(): Promise<void> {
    this.plateTouched = true;
    this.pendingPlate = null;
    this.showPlate(null);
    const results = await Promise.allSettled([this.element?.clearPlate(), clearStoredPlate()]);
    for (const r of results) if (r.status === 'rejected') this.showError(r.reason);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    navigator.mediaDevices?.addEventListener('devicechange', this.onDeviceChange);
    this.hudTimer = setInterval(() => (this.stats = this.element?.stats ?? null), HUD_INTERVAL_MS);
    void this.loadBackgrounds();
    void this.restorePlate();
    void this.watchPermission();
    if (new URLSearchParams(location.search).has('kinect')) void this.useKinect();
    else void this.startCamera({ deviceId: '', resolution: this.resolution });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    navigator.mediaDevices?.removeEventListener('devicechange', this.onDeviceChange);
    clearInterval(this.hudTimer);
    clearInterval(this.reconnectTimer);
    this.permission?.removeEventListener('change', this.onPermissionChange);
    this.stopSource();
    if (this.userBackgroundUrl) URL.revokeObjectURL(this.userBackgroundUrl);
    this.showPlate(null);
  }

  override render() {
    const o = this.options;
    return html`
      <h1>Background replacer</h1>
      <error-banner .errors=${this.errors} @dismiss=${this.onDismiss}></error-banner>
      ${this.renderEngineNotice()} ${this.renderCameraLost()} ${this.renderStaleWarning()}
      <main>
        <bg-replacer
          data-testid="replacer"
          mode=${o.mode}
          blur-strength=${o.blurStrength}
          color=${o.color}
          view=${o.view}
          backend=${o.backend}
          matting=${o.matting}
          target-fps=${o.targetFps}
          ?standing=${o.standing}
          renderer=${o.renderer}
          .background=${this.backgroundUrl}
          ?mirror=${this.mirror}
          .stream=${this.input}
          .depthSource=${this.depthSource}
          @error=${this.onReplacerError}
          @ended=${this.onEnded}
          @ready=${this.onReady}
          @platecountdown=${(e: CustomEvent<number>) => (this.plateCountdown = e.detail)}
        >
          <app-hud .stats=${this.stats}></app-hud>
          ${this.renderCountdown()}
        </bg-replacer>
        <aside>
          <fieldset>
            <legend>Source</legend>
            <camera-picker
              .devices=${this.devices}
              .deviceId=${this.deviceId}
              .resolution=${this.resolution}
              @camera-change=${(e: CustomEvent<CameraChoice>) => void this.startCamera(e.detail)}
            ></camera-picker>
            <label>
              Or use a file
              <input
                data-testid="source-file"
                type="file"
                accept="video/*,image/*,.mkv"
                multiple
                title="A video, an image, several images (played in name order), or an Azure Kinect recording (.mkv from k4arecorder: colour and depth)"
                @change=${this.onSourceFile}
              />
            </label>
            <label title="Colour and depth from an Azure Kinect, through the Kinect bridge (docs/kinect-bridge.md)">
              Or an Azure Kinect bridge
              <input data-testid="source-kinect-url" .value=${this.kinectUrl} @change=${(e: Event) => (this.kinectUrl = (e.target as HTMLInputElement).value.trim())} />
            </label>
            <button data-testid="source-kinect-connect" @click=${() => void this.useKinect()}>Connect</button>
            <small data-testid="source-label">Showing: ${this.sourceLabel}</small>
          </fieldset>
          <fieldset>
            <legend>Background</legend>
            <mode-controls
              .mode=${o.mode}
              .blurStrength=${o.blurStrength}
              .color=${o.color}
              .backend=${o.backend}
              .matting=${o.matting}
              .runningBackend=${this.stats?.backend ?? null}
              .backgroundUrl=${this.backgroundUrl}
              .backgrounds=${this.backgrounds}
              @options-change=${(e: CustomEvent<Partial<Options>>) => this.setOptions(e.detail)}
              @background-change=${(e: CustomEvent<{ url: string }>) => this.setBackground(e.detail.url)}
              @background-file=${(e: CustomEvent<{ file: File }>) => this.setUserBackground(e.detail.file)}
            ></mode-controls>
          </fieldset>
          <fieldset>
            <legend>Background plate</legend>
            <plate-controls
              .plate=${this.plate}
              ?capturing=${this.capturingPlate}
              ?ready=${this.stats?.ready === true}
              @plate-capture=${() => void this.capturePlate()}
              @plate-clear=${() => void this.clearPlate()}
            ></plate-controls>
          </fieldset>
          <fieldset>
            <legend>View</legend>
            <label>
              <input data-testid="mirror-toggle" type="checkbox" .checked=${this.mirror} @change=${this.onMirror} />
              Mirror self-view (the sent video is never mirrored)
            </label>
            <label title="Lowers the base network's resolution on the person and the refine budget when frames run late; the HUD shows the level">
              <input
                data-testid="adaptive-toggle"
                type="checkbox"
                .checked=${o.targetFps > 0}
                @change=${(e: Event) => this.setOptions({ targetFps: (e.target as HTMLInputElement).checked ? DEFAULT_OPTIONS.targetFps : 0 })}
              />
              Adapt quality to hold ${DEFAULT_OPTIONS.targetFps} fps
            </label>
            <label title="For a standing, full-body or portrait framing: the network sees the person as two overlapping squares (top and bottom), blended with a feathered seam">
              <input
                data-testid="standing-toggle"
                type="checkbox"
                .checked=${o.standing}
                @change=${(e: Event) => this.setOptions({ standing: (e.target as HTMLInputElement).checked })}
              />
              Standing speaker (full body)
            </label>
            <label>
              Debug view
              <select data-testid="view-select" @change=${this.onView}>
                ${VIEWS.map((v) => html`<option value=${v} ?selected=${v === o.view}>${VIEW_LABELS[v]}</option>`)}
              </select>
            </label>
          </fieldset>
        </aside>
      </main>
    `;
  }

  /** The big countdown over the self-view while a plate is captured. */
  private renderCountdown() {
    if (!this.capturingPlate) return nothing;
    const left = this.plateCountdown;
    return html`
      <div class="plate-overlay" data-testid="plate-countdown" role="status" aria-live="assertive">
        ${left === null || left > 0
          ? html`<div class="hint">Step out of the frame</div>
              <div class="count">${left ?? ''}</div>`
          : html`<div class="hint">Capturing…</div>`}
      </div>
    `;
  }

  /** What the engine says about how it runs, when that limits it (no WebGPU: the Canvas 2D path). */
  private renderEngineNotice() {
    const notice =
      this.engineNotice ??
      (this.stats?.renderer === 'canvas2d'
        ? 'WebGPU stopped working (the GPU device was lost and no new one could be had). Using the slower Canvas 2D path: blur, background images and colours work; the background plate and fine hair refinement do not.'
        : null);
    if (!notice) return nothing;
    return html`<div class="plate-stale" data-testid="engine-notice" role="status">
      <span>${notice}</span>
    </div>`;
  }

  /** The notice shown while the camera is gone and the app waits for it. */
  private renderCameraLost() {
    if (!this.cameraLost) return nothing;
    return html`
      <div class="plate-stale" data-testid="camera-lost" role="status" aria-live="polite">
        <span>The camera disconnected (unplugged, or taken by another app). Waiting for it to come back — or pick another camera or a file.</span>
      </div>
    `;
  }

  /** The warning shown while the engine reports that the plate no longer fits the scene. */
  private renderStaleWarning() {
    const stats = this.stats;
    if (!stats?.plate || !stats.plateFit?.stale || this.capturingPlate) return nothing;
    return html`
      <div class="plate-stale" data-testid="plate-stale-warning" role="alert">
        <span>The background changed since the plate was captured (lighting or camera moved) — re-capture it.</span>
        <button data-testid="plate-stale-recapture" @click=${() => void this.capturePlate()}>Re-capture</button>
      </div>
    `;
  }

  /** Shows the stored plate from IndexedDB and gives it to the replacer (once it exists). */
  private async restorePlate(): Promise<void> {
    try {
      const stored = await loadPlate();
      // A capture or a clear that started meanwhile wins.
      if (!stored || this.plateTouched) return;
      this.showPlate(stored);
      this.pendingPlate = stored.blob;
      this.applyPendingPlate();
    } catch (err) {
      this.showError(err);
    }
  }

  /** The engine is (again) ready: keep its notice, give it a restored plate. */
  private onReady(event: CustomEvent<EngineInfo>): void {
    this.engineNotice = event.detail.notice ?? null;
    this.applyPendingPlate();
  }

  /** Gives a restored plate to the replacer; it waits for the engine itself. */
  private applyPendingPlate(): void {
    const element = this.element;
    const blob = this.pendingPlate;
    if (!blob || !element?.replacer) return;
    this.pendingPlate = null;
    element.setPlate(blob).catch((err: unknown) => this.showError(err));
  }

  /** Shows `stored` as the plate thumbnail (null: none), releasing the previous one. */
  private showPlate(stored: StoredPlate | null): void {
    if (this.plate) URL.revokeObjectURL(this.plate.url);
    this.plate = stored ? { url: URL.createObjectURL(stored.blob), width: stored.width, height: stored.height, capturedAt: stored.capturedAt } : null;
  }

  private async loadBackgrounds(): Promise<void> {
    try {
      this.backgrounds = await createBuiltinBackgrounds();
      this.backgroundUrl ??= this.backgrounds[0]?.url ?? null;
    } catch (err) {
      this.showError(err);
    }
  }

  private async startCamera(choice: CameraChoice): Promise<void> {
    this.resolution = choice.resolution;
    try {
      const stream = await openCamera({ deviceId: choice.deviceId || undefined, resolution: choice.resolution });
      this.useCamera(stream, choice.deviceId);
    } catch (err) {
      this.showError(err);
    }
    await this.refreshDevices();
  }

  private useCamera(stream: MediaStream, requestedId: string): void {
    this.useSource(stream, 'camera');
    this.deviceId = stream.getVideoTracks()[0]?.getSettings().deviceId ?? requestedId;
    this.clearErrors((e) => e.code.startsWith('camera-'));
  }

  /**
   * While the camera is gone: tries to open it again (the same device, else the default one).
   * Failures are expected until it returns and are not shown; the notice stays meanwhile.
   */
  private async reconnectCamera(): Promise<void> {
    const lost = this.cameraLost;
    if (!lost || this.reconnecting) return;
    this.reconnecting = true;
    try {
      for (const deviceId of lost.deviceId ? [lost.deviceId, ''] : ['']) {
        let stream: MediaStream;
        try {
          stream = await openCamera({ deviceId: deviceId || undefined, resolution: this.resolution });
        } catch {
          // Not back yet (or not this device): the next attempt may succeed.
          continue;
        }
        // The user chose another source meanwhile: release the camera again.
        if (this.cameraLost !== lost) {
          stopStream(stream);
          return;
        }
        this.useCamera(stream, deviceId);
        return;
      }
    } finally {
      this.reconnecting = false;
    }
  }

  /** Watches the camera permission (where the browser can), to start the camera once granted. */
  private async watchPermission(): Promise<void> {
    try {
      this.permission = await navigator.permissions.query({ name: 'camera' as PermissionName });
    } catch (err) {
      // Browsers without a queryable camera permission: the user retries from the camera list.
      console.info(`bg-app: the camera permission cannot be watched (${String(err)})`);
      return;
    }
    this.permission.addEventListener('change', this.onPermissionChange);
  }

  private async refreshDevices(): Promise<void> {
    try {
      this.devices = await listCameras();
    } catch (err) {
      this.showError(err);
    }
  }

  /**
   * Switches to the chosen file(s). A video is checked first (metadata and a first frame),
   * so a file the browser cannot play leaves the current source running.
   */
  private async onSourceFile(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = '';
    if (files.length === 0) return;
    try {
      const file = files[0]!;
      if (files.length === 1 && looksLikeKinectRecording(new Uint8Array(await file.slice(0, 64 * 1024).arrayBuffer()))) {
        // An Azure Kinect recording: colour and depth, played at its pace, looping.
        const source = kinectRecordingSource(new Uint8Array(await file.arrayBuffer()));
        this.useDepthSource(source, `${file.name} (Azure Kinect recording)`);
        return;
      }
      if (files.length === 1 && files[0]!.type.startsWith('video/')) await checkPlayable(files[0]!);
      const source = openFileSource(files, { loop: true });
      source.done.catch((err: unknown) => this.showError(err));
      this.useSource(source.stream, files.length === 1 ? (files[0]?.name ?? 'file') : `${files.length} images`);
      this.fileSource = source;
    } catch (err) {
      this.showError(err);
    }
  }

  /**
   * Switches to the Azure Kinect through the bridge at `kinectUrl`: colour and depth, the depth
   * used as the rough segmentation. A bridge that is not running leaves the current source
   * running and says how to start it.
   */
  private async useKinect(): Promise<void> {
    try {
      const source = await openKinectDepthSource(this.kinectUrl);
      this.useDepthSource(source, `Azure Kinect (${source.session.device.colorMode}, depth ${source.session.device.depthMode})`);
    } catch (err) {
      this.showError(err);
    }
  }

  /** Switches the input to a source of colour frames with depth, stopping the previous one. */
  private useDepthSource(source: DepthFrameSource, label: string): void {
    this.stopSource();
    this.cameraLost = null;
    clearInterval(this.reconnectTimer);
    this.depthSource = source;
    this.sourceLabel = label;
  }

  /** Switches the input to `stream`, stopping the previous camera, file or Kinect. */
  private useSource(stream: MediaStream, label: string): void {
    this.stopSource();
    this.cameraLost = null;
    clearInterval(this.reconnectTimer);
    this.input = stream;
    this.sourceLabel = label;
  }

  private stopSource(): void {
    this.depthSource?.close();
    this.depthSource = null;
    this.fileSource?.dispose();
    this.fileSource = null;
    if (this.input) stopStream(this.input);
    this.input = null;
  }

  private setOptions(partial: Partial<Options>): void {
    this.options = { ...this.options, ...partial };
  }

  private setBackground(url: string): void {
    this.backgroundUrl = url;
    this.setOptions({ mode: 'image' });
  }

  private setUserBackground(file: File): void {
    if (this.userBackgroundUrl) URL.revokeObjectURL(this.userBackgroundUrl);
    this.userBackgroundUrl = URL.createObjectURL(file);
    this.setBackground(this.userBackgroundUrl);
  }

  private onMirror(event: Event): void {
    this.mirror = (event.target as HTMLInputElement).checked;
  }

  private onView(event: Event): void {
    this.setOptions({ view: (event.target as HTMLSelectElement).value as Options['view'] });
  }

  private onReplacerError(event: CustomEvent<ReplacerError>): void {
    this.showError(event.detail);
  }

  /**
   * The input track ended. For a camera that means it was unplugged or taken by another app;
   * a file source only ends on a decode error, which its `done` promise reports.
   */
  private onEnded(): void {
    const track = this.input?.getVideoTracks()[0];
    if (this.sourceLabel !== 'camera' || track?.readyState !== 'ended' || this.cameraLost) return;
    this.cameraLost = { deviceId: this.deviceId };
    clearInterval(this.reconnectTimer);
    this.reconnectTimer = setInterval(() => void this.reconnectCamera(), CAMERA_RETRY_MS);
    void this.reconnectCamera();
  }

  private onDismiss(event: CustomEvent<ReplacerError>): void {
    this.clearErrors((e) => e === event.detail);
  }

  private showError(err: unknown): void {
    const error = toReplacerError(err, { code: 'unsupported-input', context: 'Something went wrong' });
    if (this.errors.some((e) => e.message === error.message)) return;
    this.errors = [...this.errors, error].slice(-MAX_ERRORS);
  }

  private clearErrors(match: (error: ReplacerError) => boolean): void {
    this.errors = this.errors.filter((e) => !match(e));
  }
}

/** The `renderer` URL parameter when it names a RendererChoice, else the default. */
function rendererParam(): RendererChoice {
  const value = new URLSearchParams(location.search).get('renderer');
  return (RENDERERS as readonly string[]).includes(value ?? '') ? (value as RendererChoice) : DEFAULT_OPTIONS.renderer;
}

declare global {
  interface HTMLElementTagNameMap {
    'bg-app': BgApp;
  }
}
