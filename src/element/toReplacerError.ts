import { ReplacerError, type ErrorCode } from '../errors';

/**
 * Turns anything thrown (a ReplacerError, also one rebuilt from the worker by
 * `installErrorTransfer`, a DOMException, a plain Error) into a ReplacerError.
 * @param fallback code for errors that are not ReplacerErrors, and a sentence put before
 *   their message so the user knows what failed
 */
export function toReplacerError(err: unknown, fallback: { code: ErrorCode; context: string }): ReplacerError {
  if (err instanceof ReplacerError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ReplacerError(fallback.code, `${fallback.context}: ${message}`, { cause: err });
}
