/**
 * Races `call` against a timer: rejects with `error()` when it has not settled after `ms` milliseconds.
 * @throws the call's own error, or `error()` on the timeout (both as rejections)
 */
export function withTimeout<T>(call: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
}
