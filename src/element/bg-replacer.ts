import { LitElement, css, html, type PropertyDeclaration, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { InputError, ReplacerError } from '../errors';
import {
  DEFAULT_OPTIONS,
  ELEMENT_OPTION_NAMES,
  OPTION_SPEC,
  pickOptions,
  resolveOptions,
  type ElementOptions,
  type OptionSpecEntry,
  type Options,
} from '../options';
import { toReplacerError } from './toReplacerError';
import { createBackgroundReplacer, type BackgroundReplacer, type PlateCaptureOptions, type ReplacerEventMap, type ReplacerStats } from './api';
import { type DepthFrameSource } from '../types/kinect';

const FORWARDED_EVENTS: readonly (keyof ReplacerEventMap)[] = ['ready', 'error', 'stats', 'ended', 'platecountdown', 'platestale'];

/**
 * A boolean attribute: present is true, absent is false, as with Lit's Boolean converter, and
 * also `"false"` is false (an option that defaults to true, e.g. `background-memory="false"`).
 */
const BOOLEAN_ATTRIBUTE = {
  fromAttribute: (value: string | null): boolean => value !== null && value !== 'false',
  toAttribute: (value: unknown): string | null => (value ? '' : null),
};

/**
 * Lit declarations of the option properties: one per spec entry with an `attribute`, under the
 * option's name, reflected to that attribute, with Lit's Number converter for number options (an
 * attribute that is not a number gives NaN, which resolveOptions rejects) and BOOLEAN_ATTRIBUTE
 * for boolean ones.
 * @param spec the option table (OPTION_SPEC; another one in tests)
 */
export function optionPropertyDeclarations(spec: Readonly<Record<string, OptionSpecEntry>> = OPTION_SPEC): Record<string, PropertyDeclaration> {
  const declarations: Record<string, PropertyDeclaration> = {};
  for (const [name, entry] of Object.entries(spec)) {
    if (entry.attribute === null) continue;
    if (entry.type.kind === 'boolean') {
      declarations[name] = { attribute: entry.attribute, reflect: true, type: Boolean, converter: BOOLEAN_ATTRIBUTE };
      continue;
    }
    declarations[name] = { attribute: entry.attribute, reflect: true, type: entry.type.kind === 'number' ? Number : String };
  }
  return declarations;
}

// The option properties come from `static properties` (OPTION_SPEC), not from field declarations;
// this merged interface gives them their types.
export interface BgReplacerElement extends ElementOptions {}

/**
 * `<bg-replacer>`: replaces the background of its `stream` and shows the result.
 *
 * Option attributes / properties: one per OPTION_SPEC entry with an `attribute` (e.g. `mode`,
 * `blur-strength`, `target-fps` ↔ `mode`, `blurStrength`, `targetFps`), reflected, defaults from
 * the spec; see Options. Also `background` (URL of the image for `image` mode or of the video for
 * `video` mode), `mirror` (boolean; mirrors the self-view only — the `output` stream is never
 * mirrored), `assets-path` (where the assets are served, ReplacerInit.assetsPath; read when the
 * element connects). Property only: `stream` (input MediaStream).
 * Read-only: `output` (processed MediaStream, null until a stream is set), `replacer`, `stats`.
 * Methods: `capturePlate(options)`, `saveMemoryAsPlate()`, `setPlate(image)`, `clearPlate()` (see BackgroundReplacer).
 *
 * Events (CustomEvents that bubble and compose): `ready` (EngineInfo), `error`
 * (ReplacerError — also for invalid attributes and unloadable backgrounds), `stats`
 * (ReplacerStats, per frame), `ended` (the input track ended), `platecountdown` (seconds
 * left, then 0 while frames are collected), `platestale` (PlateFit: the plate stopped fitting).
 * Children are slotted over the video (e.g. a HUD).
 */
@customElement('bg-replacer')
export class BgReplacerElement extends LitElement {
  static override styles = css`
    :host {
      display: block;
      position: relative;
      background: #000;
      overflow: hidden;
    }
    video {
      display: block;
      width: 100%;
      height: 100%;
      object-fit: contain;
    }
    video.mirror {
      transform: scaleX(-1);
    }
    ::slotted(*) {
      position: absolute;
    }
  `;

  /** The option properties (see optionPropertyDeclarations). */
  static override properties = optionPropertyDeclarations();

  /**
   * URL of the background (same origin, blob: or data:): an image for `image` mode, or a video
   * for `video` mode (a .webm / .mp4 / .m4v / .mov / .ogv address, or one that is no image, such
   * as the blob: address of a video file; played muted and looped); null for none.
   */
  @property() background: string | null = null;
  @property({ type: Boolean, reflect: true }) mirror = false;
  /** Where the assets are served (see ReplacerInit.assetsPath); read when the element connects. */
  @property({ attribute: 'assets-path' }) assetsPath: string | null = null;
  /** The input stream (camera, screen or file); its first video track is processed. */
  @property({ attribute: false }) stream: MediaStream | null = null;
  /**
   * Colour frames with Azure Kinect depth (e.g. the live bridge: openKinectDepthSource);
   * when set it is processed instead of `stream` (BackgroundReplacer.processDepthSource).
   */
  @property({ attribute: false }) depthSource: DepthFrameSource | null = null;

  @state() private outputStream: MediaStream | null = null;
  private current: BackgroundReplacer | null = null;
  private creating: Promise<void> | null = null;
  /** Increases with every background change, so a slow load cannot override a newer one. */
  private backgroundToken = 0;

  constructor() {
    super();
    Object.assign(this, pickOptions(DEFAULT_OPTIONS, ELEMENT_OPTION_NAMES));
  }

  /** The processed stream shown in the self-view (never mirrored), or null. */
  get output(): MediaStream | null {
    return this.outputStream;
  }

  /** The underlying API object, once created. */
  get replacer(): BackgroundReplacer | null {
    return this.current;
  }

  get stats(): ReplacerStats | null {
    return this.current?.stats ?? null;
  }

  /**
   * Captures the background plate from the current stream; see BackgroundReplacer.capturePlate.
   * @throws ReplacerError 'engine-not-ready' (rejection) before the replacer exists
   */
  capturePlate(options?: PlateCaptureOptions): Promise<ImageBitmap> {
    return this.requireReplacer().then((r) => r.capturePlate(options));
  }

  /**
   * Saves what the background memory learned as the plate; see BackgroundReplacer.saveMemoryAsPlate.
   * @throws ReplacerError 'engine-not-ready' (rejection) before the replacer exists
   */
  saveMemoryAsPlate(): Promise<ImageBitmap> {
    return this.requireReplacer().then((r) => r.saveMemoryAsPlate());
  }

  /** Sets or clears (null) the background plate; see BackgroundReplacer.setPlate. */
  setPlate(image: ImageBitmap | Blob | null): Promise<void> {
    return this.requireReplacer().then((r) => r.setPlate(image));
  }

  /** Clears the background plate. */
  clearPlate(): Promise<void> {
    return this.setPlate(null);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.current && !this.creating) this.creating = this.create();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    const replacer = this.current;
    this.current = null;
    this.outputStream = null;
    if (replacer) replacer.dispose().catch((err: unknown) => this.emitError(err));
  }

  protected override updated(changed: PropertyValues<this>): void {
    const replacer = this.current;
    if (!replacer) return;
    if (ELEMENT_OPTION_NAMES.some((name) => changed.has(name))) this.applyOptions(replacer);
    if (changed.has('background')) this.applyBackground(replacer);
    if (changed.has('stream') || changed.has('depthSource')) this.applyStream(replacer);
  }

  override render() {
    return html`
      <video
        data-testid="self-view"
        part="video"
        class=${this.mirror ? 'mirror' : ''}
        .srcObject=${this.outputStream}
        .muted=${true}
        muted
        playsinline
        autoplay
      ></video>
      <slot></slot>
    `;
  }

  private async create(): Promise<void> {
    let options: Readonly<Options> = DEFAULT_OPTIONS;
    try {
      options = resolveOptions(this.elementOptions());
    } catch {
      // Invalid attributes: start with the defaults; applyOptions below reports the error.
    }
    try {
      const replacer = await createBackgroundReplacer(this.assetsPath === null ? options : { ...options, assetsPath: this.assetsPath });
      if (!this.isConnected) {
        await replacer.dispose();
        return;
      }
      for (const type of FORWARDED_EVENTS) {
        replacer.addEventListener(type, (event) => this.forward(type, event));
      }
      this.current = replacer;
      // Properties may have changed while the replacer was being created.
      const wanted = this.elementOptions();
      if (ELEMENT_OPTION_NAMES.some((name) => wanted[name] !== replacer.options[name])) this.applyOptions(replacer);
      this.applyBackground(replacer);
      this.applyStream(replacer);
    } catch (err) {
      this.emitError(err);
    } finally {
      this.creating = null;
    }
  }

  /** The replacer, waiting for it while it is being created. */
  private async requireReplacer(): Promise<BackgroundReplacer> {
    if (!this.current && this.creating) await this.creating;
    if (!this.current) throw new ReplacerError('engine-not-ready', 'bg-replacer is not connected to the page, so it has no background engine yet.');
    return this.current;
  }

  /** The option properties' values, as set (not validated). */
  private elementOptions(): ElementOptions {
    return pickOptions(this, ELEMENT_OPTION_NAMES);
  }

  private applyOptions(replacer: BackgroundReplacer): void {
    try {
      replacer.setOptions(this.elementOptions()).catch((err: unknown) => this.emitError(err));
    } catch (err) {
      this.emitError(err);
    }
  }

  private applyStream(replacer: BackgroundReplacer): void {
    try {
      if (this.depthSource) this.outputStream = replacer.processDepthSource(this.depthSource);
      else this.outputStream = this.stream ? replacer.process(this.stream) : null;
      if (!this.stream && !this.depthSource) replacer.stop();
    } catch (err) {
      this.outputStream = null;
      this.emitError(err);
    }
  }

  private applyBackground(replacer: BackgroundReplacer): void {
    const token = ++this.backgroundToken;
    const url = this.background;
    if (!url) {
      replacer.setBackground(null).catch((err: unknown) => this.emitError(err));
      return;
    }
    loadBackground(url)
      .then(async ({ source, notImage }) => {
        if (token !== this.backgroundToken || replacer !== this.current) {
          if (source instanceof ImageBitmap) source.close();
          return;
        }
        try {
          await replacer.setBackground(source);
        } catch (err) {
          if (!notImage) throw err;
          throw new InputError(
            'corrupt-input',
            `The background could not be loaded from ${url.slice(0, 80)} — check the address and that it is a PNG, JPEG or WebP image or a WebM or MP4 video.`,
            { cause: err },
          );
        }
      })
      .catch((err: unknown) => this.emitError(err));
  }

  private forward(type: keyof ReplacerEventMap, event: Event): void {
    const detail = (event as CustomEvent<unknown>).detail;
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  private emitError(err: unknown): void {
    const error = toReplacerError(err, { code: 'engine-not-ready', context: 'bg-replacer' });
    this.dispatchEvent(new CustomEvent<ReplacerError>('error', { detail: error, bubbles: true, composed: true }));
  }
}

/** Addresses the `background` attribute plays as a video without trying them as an image first. */
const VIDEO_EXTENSION = /\.(webm|mp4|m4v|mov|ogv)(?:[?#]|$)/i;

/**
 * Loads the `background` attribute's address: a video address (.webm, .mp4, .m4v, .mov, .ogv) as
 * a URL for `video` mode; anything else is decoded as an image, and played as a video when it
 * is none (a blob: address of a video file).
 * @returns the image or the video's URL, and whether it failed as an image first
 */
async function loadBackground(url: string): Promise<{ source: ImageBitmap | URL; notImage: boolean }> {
  const address = new URL(url, location.href);
  if (VIDEO_EXTENSION.test(address.pathname)) return { source: address, notImage: false };
  const image = new Image();
  image.crossOrigin = 'anonymous';
  image.src = url;
  try {
    await image.decode();
    return { source: await createImageBitmap(image), notImage: false };
  } catch {
    // Not an image (or not loadable): tried as a video next.
    return { source: address, notImage: true };
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'bg-replacer': BgReplacerElement;
  }
}
