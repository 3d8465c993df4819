/**
 * A value made from some inputs and made again only when one of them is replaced (compared by
 * identity): a stage's bind groups, remade when the frame's textures, the plate, the background
 * or the model change, and reused every other frame.
 */
export class Memo<T> {
  private keys: readonly unknown[] | null = null;
  private value: T | undefined;

  /**
   * @param keys the inputs the value depends on (textures, buffers, objects)
   * @param make builds the value from them; called when any key differs from the last call's
   */
  get(keys: readonly unknown[], make: () => T): T {
    const last = this.keys;
    if (last === null || last.length !== keys.length || keys.some((k, i) => k !== last[i])) {
      this.value = make();
      this.keys = keys;
    }
    return this.value as T;
  }

  /** Forgets the value (the next get makes it again). */
  clear(): void {
    this.keys = null;
    this.value = undefined;
  }
}
