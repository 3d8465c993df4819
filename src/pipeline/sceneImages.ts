// The images the user gives the pipeline: the `image`-mode background, the `video`-mode
// background's current frame, and the clean plate.
import { InputError } from '../errors';

/**
 * A user image: an ImageBitmap (the browser's: uploaded, and the plate resized to the frame
 * size with createImageBitmap), or a GPU texture a headless caller made (rgba8unorm with
 * TEXTURE_BINDING usage; borrowed: used as it is, never destroyed here; a plate texture must
 * have the frame's size).
 */
export type SceneImage = ImageBitmap | GPUTexture;

/**
 * Owns the background texture (uploaded at the image's size; a 1×1 neutral grey without one)
 * and the plate: the bitmap as given, and its texture at the size of the frames it is used with
 * (resized on the GPU side of createImageBitmap when they differ). A texture replaced while a
 * frame is in flight (between beginFrame and endFrame) is destroyed after that frame, since its
 * bind groups are still in use. Textures given as images are the caller's and never destroyed.
 */
export class SceneImages {
  /** The `image`-mode background, rgba8unorm. */
  background: GPUTexture;
  /** The `video`-mode background's last frame (rgba8unorm, the video's size), or null before the first. */
  private videoTexture: GPUTexture | null = null;
  /** Counts setVideoFrame and clearVideo calls: a frame whose copy finishes after a later call is dropped. */
  private videoCalls = 0;
  /** Neutral grey, 1×1: `video` mode before its first frame. */
  private grey: GPUTexture | null;
  private plateImage: SceneImage | null = null;
  private plateTexture: GPUTexture | null = null;
  private processing = false;
  private retired: GPUTexture[] = [];
  /** The caller's textures (set as images): never retired. */
  private readonly borrowed = new WeakSet<GPUTexture>();

  constructor(private readonly device: GPUDevice) {
    this.background = this.solidBackground();
    this.grey = this.solidBackground();
  }

  /** True while a plate is set. */
  get hasPlate(): boolean {
    return this.plateImage !== null;
  }

  /**
   * Replaces the background (null: neutral grey). A bitmap is copied to the GPU and closed; a
   * texture is used as it is.
   * @throws InputError 'unsupported-input' when the image exceeds the GPU's texture size, or a
   *   texture is not rgba8unorm with TEXTURE_BINDING usage
   */
  setBackground(image: SceneImage | null): void {
    try {
      this.checkImage(image, 'Background image');
      const next = image instanceof GPUTexture ? this.borrow(image) : image ? this.upload(image, image.width, image.height) : this.solidBackground();
      this.retire(this.background);
      this.background = next;
    } finally {
      if (!(image instanceof GPUTexture)) image?.close();
    }
  }

  /**
   * The background of `video` mode: its last frame (setVideoFrame), or 1×1 neutral grey before
   * the first (or after clearVideo).
   */
  get video(): GPUTexture {
    return this.videoTexture ?? this.grey!;
  }

  /**
   * Copies a frame of the background video to the GPU (through an ImageBitmap: WebGPU cannot
   * copy every VideoFrame format directly): `video` mode shows it until the next one (a slow
   * video repeats its last frame). The frame is the caller's (closed by it; the copy is made
   * before this resolves). A call made meanwhile (another frame, or clearVideo) wins: this
   * frame is then dropped, so a clear is never undone by a copy still under way.
   * @throws InputError 'unsupported-input' when the frame exceeds the GPU's texture size
   */
  async setVideoFrame(frame: VideoFrame): Promise<void> {
    const call = ++this.videoCalls;
    const width = frame.displayWidth;
    const height = frame.displayHeight;
    const max = this.device.limits.maxTextureDimension2D;
    if (width > max || height > max || width === 0 || height === 0) {
      throw new InputError('unsupported-input', `The background video is ${width}×${height}; the GPU accepts 1..${max} pixels a side — use a smaller video.`);
    }
    const bitmap = await createImageBitmap(frame);
    // From here on synchronous: no other call can retire the texture between its making and the copy.
    try {
      if (call !== this.videoCalls) return;
      let texture = this.videoTexture;
      if (!texture || texture.width !== width || texture.height !== height) {
        this.retire(texture);
        texture = this.device.createTexture({
          label: 'background video frame',
          size: [width, height],
          format: 'rgba8unorm',
          usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST | GPUTextureUsage.RENDER_ATTACHMENT,
        });
        this.videoTexture = texture;
      }
      this.device.queue.copyExternalImageToTexture({ source: bitmap }, { texture }, [width, height]);
    } finally {
      bitmap.close();
    }
  }

  /** Forgets the background video's last frame (`video` mode shows grey until the next). */
  clearVideo(): void {
    this.videoCalls++;
    this.retire(this.videoTexture);
    this.videoTexture = null;
  }

  /**
   * Sets (or clears, with null) the plate. Keeps a bitmap (closed when replaced) to upload it
   * at each frame size; a texture is used as it is, at its own size only.
   * @throws InputError 'unsupported-input' when the image exceeds the GPU's texture size (a
   *   bitmap is closed), or a texture is not rgba8unorm with TEXTURE_BINDING usage
   */
  setPlate(image: SceneImage | null): void {
    try {
      this.checkImage(image, 'Background plate');
    } catch (err) {
      if (!(image instanceof GPUTexture)) image?.close();
      throw err;
    }
    if (!(this.plateImage instanceof GPUTexture)) this.plateImage?.close();
    this.plateImage = image instanceof GPUTexture ? this.borrow(image) : image;
    this.retire(this.plateTexture);
    this.plateTexture = null;
  }

  /**
   * The plate at width×height, rgba8unorm, uploaded (and resized) when the size changed since the
   * last call; null without a plate. Call between frames or at a frame's start.
   * @throws InputError 'unsupported-input' for a plate texture of another size
   */
  async plateAt(width: number, height: number): Promise<GPUTexture | null> {
    const image = this.plateImage;
    if (!image) return null;
    if (image instanceof GPUTexture) {
      if (image.width !== width || image.height !== height) {
        throw new InputError('unsupported-input', `The plate texture is ${image.width}×${image.height} and the frame ${width}×${height}: a plate texture must have the frame's size.`);
      }
      return image;
    }
    if (this.plateTexture && (this.plateTexture.width !== width || this.plateTexture.height !== height)) {
      this.plateTexture.destroy();
      this.plateTexture = null;
    }
    if (!this.plateTexture) {
      const sized = image.width === width && image.height === height ? image : await createImageBitmap(image, { resizeWidth: width, resizeHeight: height, resizeQuality: 'high' });
      this.plateTexture = this.upload(sized, width, height);
      if (sized !== image) sized.close();
    }
    return this.plateTexture;
  }

  /** A frame starts using the textures: replacements are retired until endFrame. */
  beginFrame(): void {
    this.processing = true;
  }

  /** The frame's work is submitted: retired textures are destroyed (WebGPU waits for submitted work). */
  endFrame(): void {
    this.processing = false;
    for (const texture of this.retired.splice(0)) texture.destroy();
  }

  /** Destroys the textures made here and closes the plate bitmap (the caller's textures stay). */
  dispose(): void {
    this.retire(this.background);
    this.clearVideo();
    this.retire(this.grey);
    this.grey = null;
    this.retire(this.plateTexture);
    this.plateTexture = null;
    if (!(this.plateImage instanceof GPUTexture)) this.plateImage?.close();
    this.plateImage = null;
    for (const texture of this.retired.splice(0)) texture.destroy();
  }

  /** Destroys a texture made here, after the frame in flight if any; the caller's are left alone. */
  private retire(texture: GPUTexture | null): void {
    if (!texture || this.borrowed.has(texture)) return;
    if (this.processing) this.retired.push(texture);
    else texture.destroy();
  }

  private borrow(texture: GPUTexture): GPUTexture {
    this.borrowed.add(texture);
    return texture;
  }

  private checkImage(image: SceneImage | null, what: string): void {
    const max = this.device.limits.maxTextureDimension2D;
    if (image && (image.width > max || image.height > max || image.width === 0 || image.height === 0)) {
      throw new InputError('unsupported-input', `${what} is ${image.width}×${image.height}; the GPU accepts 1..${max} pixels a side — use a smaller image.`);
    }
    if (image instanceof GPUTexture && (image.format !== 'rgba8unorm' || (image.usage & GPUTextureUsage.TEXTURE_BINDING) === 0)) {
      throw new InputError('unsupported-input', `${what} texture must be rgba8unorm with TEXTURE_BINDING usage (got ${image.format}).`);
    }
  }

  private upload(image: ImageBitmap, width: number, height: number): GPUTexture {
    const texture = this.device.createTexture({
      label: 'image',
      size: [width, height],
      format: 'rgba8unorm',
      usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST | GPUTextureUsage.RENDER_ATTACHMENT,
    });
    this.device.queue.copyExternalImageToTexture({ source: image }, { texture }, [width, height]);
    return texture;
  }

  private solidBackground(): GPUTexture {
    const texture = this.device.createTexture({ label: 'background (none)', size: [1, 1], format: 'rgba8unorm', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST });
    this.device.queue.writeTexture({ texture }, new Uint8Array([128, 128, 128, 255]), { bytesPerRow: 4 }, [1, 1]);
    return texture;
  }
}
