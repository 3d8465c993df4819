/** Frames per second over a sliding one-second window. */
export class FpsMeter {
  private readonly times: number[] = [];

  /** Records one frame shown at `now` (ms, performance.now() clock). */
  tick(now = performance.now()): void {
    this.times.push(now);
    this.trim(now);
  }

  /** Frames recorded in the last 1000 ms before `now`, i.e. frames per second. */
  fps(now = performance.now()): number {
    this.trim(now);
    return this.times.length;
  }

  private trim(now: number): void {
    while (this.times.length > 0 && (this.times[0] as number) <= now - 1000) this.times.shift();
  }
}
