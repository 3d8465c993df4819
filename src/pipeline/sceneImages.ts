// The images the user gives the pipeline: the `image`-mode background and the clean plate.
import { InputError } from '../errors';

/**
 * Owns the background texture (uploaded at the image's size; a 1×1 neutral grey without one)
 * and the plate: the bitmap as given, and its texture at the size of the frames it is used with
 * (resized on the GPU side of createImageBitmap when they differ). A texture replaced while a
 * frame is in flight (between beginFrame and endFrame) is destroyed after that frame, since its
 * bind groups are still in use.
 */
export class SceneImages {
  /** The `image`-mode background, rgba8unorm. */
  background: GPUTexture;
  private plateImage: ImageBitmap | null = null;
  private plateTexture: GPUTexture | null = null;
  private processing = false;
  private retired: GPUTexture[] = [];

  constructor(private readonly device: GPUDevice) {
    this.background = this.solidBackground();
  }

  /** True while a plate is set. */
  get hasPlate(): boolean {
    return this.plateImage !== null;
  }

  /**
   * Replaces the background (null: neutral grey). The bitmap is copied to the GPU and closed.
   * @throws InputError 'unsupported-input' when the image exceeds the GPU's texture size
   */
  setBackground(image: ImageBitmap | null): void {
    try {
      this.checkImageSize(image, 'Background image');
      const next = image ? this.upload(image, image.width, image.height) : this.solidBackground();
      this.retire(this.background);
      this.background = next;
    } finally {
      image?.close();
    }
  }

  /**
   * Sets (or clears, with null) the plate. Keeps the bitmap (closed when replaced) to upload it
   * at each frame size.
   * @throws InputError 'unsupported-input' when the image exceeds the GPU's texture size (it is closed)
   */
  setPlate(image: ImageBitmap | null): void {
    try {
      this.checkImageSize(image, 'Background plate');
    } catch (err) {
      image?.close();
      throw err;
    }
    this.plateImage?.close();
    this.plateImage = image;
    this.retire(this.plateTexture);
    this.plateTexture = null;
  }

  /**
   * The plate at width×height, rgba8unorm, uploaded (and resized) when the size changed since the
   * last call; null without a plate. Call between frames or at a frame's start.
   */
  async plateAt(width: number, height: number): Promise<GPUTexture | null> {
    const image = this.plateImage;
    if (!image) return null;
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

  /** Destroys the textures and closes the plate bitmap. */
  dispose(): void {
    this.background.destroy();
    this.plateTexture?.destroy();
    this.plateTexture = null;
    this.plateImage?.close();
    this.plateImage = null;
    for (const texture of this.retired.splice(0)) texture.destroy();
  }

  private retire(texture: GPUTexture | null): void {
    if (!texture) return;
    if (this.processing) this.retired.push(texture);
    else texture.destroy();
  }

  private checkImageSize(image: ImageBitmap | null, what: string): void {
    const max = this.device.limits.maxTextureDimension2D;
    if (image && (image.width > max || image.height > max || image.width === 0 || image.height === 0)) {
      throw new InputError('unsupported-input', `${what} is ${image.width}×${image.height}; the GPU accepts 1..${max} pixels a side — use a smaller image.`);
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
