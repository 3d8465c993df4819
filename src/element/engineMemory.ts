/**
 * What the engine should hold besides its options: the background image, the plate and the
 * depth calibration, kept on the page so that a restarted engine worker gets them again.
 */
import * as Comlink from 'comlink';
import type { KinectCalibration } from '../types/kinect';
import type { EngineLink } from './engineLink';

/** Copies of the engine's images (owned here; closed when replaced and on {@link clear}) and its calibration. */
export class EngineMemory {
  private background: ImageBitmap | null = null;
  private plate: ImageBitmap | null = null;
  private calibration: KinectCalibration | null = null;

  /** Keeps a copy of `image` (which stays the caller's) as the background; null: none. */
  async keepBackground(image: ImageBitmap | null): Promise<void> {
    const copy = image ? await createImageBitmap(image) : null;
    this.background?.close();
    this.background = copy;
  }

  /** Keeps `copy` (now owned here) as the plate; null: none. */
  keepPlate(copy: ImageBitmap | null): void {
    this.plate?.close();
    this.plate = copy;
  }

  /** Keeps the depth calibration (processDepthSource); null: none. */
  keepCalibration(calibration: KinectCalibration | null): void {
    this.calibration = calibration;
  }

  /**
   * Gives a newly started engine what the previous one held.
   * @throws the engine's error (rejection)
   */
  async restore(engine: EngineLink): Promise<void> {
    if (this.background) {
      const copy = await createImageBitmap(this.background);
      await engine.call(engine.remote.setBackground(Comlink.transfer(copy, [copy])));
    }
    if (this.plate) {
      const copy = await createImageBitmap(this.plate);
      await engine.call(engine.remote.setPlate(Comlink.transfer(copy, [copy])));
    }
    if (this.calibration) await engine.call(engine.remote.setDepthCalibration(this.calibration));
  }

  /** Closes the copies (dispose). */
  clear(): void {
    this.keepPlate(null);
    this.background?.close();
    this.background = null;
  }
}
