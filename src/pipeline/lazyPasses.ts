/** Something a stage makes and must dispose: a pass. */
interface Disposable {
  dispose(): void;
}

/**
 * A stage's passes made on first use (most frames never need the BGMv2, depth or light-wrap
 * passes, and creating a pass compiles its pipeline) and disposed with the stage.
 */
export class LazyPasses<T extends Record<string, Disposable>> {
  private passes: T | null = null;

  /** @param make creates the passes; called by the first get() */
  constructor(private readonly make: () => T) {}

  /** The passes, made now if they were not yet. */
  get(): T {
    this.passes ??= this.make();
    return this.passes;
  }

  /** True once get() has made them. */
  get made(): boolean {
    return this.passes !== null;
  }

  /** Disposes every pass made (a later get() makes them again). */
  dispose(): void {
    if (this.passes) for (const pass of Object.values(this.passes)) pass.dispose();
    this.passes = null;
  }
}
