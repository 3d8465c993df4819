import * as Comlink from 'comlink';
import { ReplacerError, type ErrorCode } from './errors';

interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: ErrorCode;
}

/**
 * Replaces Comlink's "throw" transfer handler so errors thrown in the worker reach the
 * main thread as ReplacerError with their `code` (Comlink's own handler keeps only
 * name, message and stack). Install on both sides before any call.
 */
export function installErrorTransfer(): void {
  const fallback = Comlink.transferHandlers.get('throw')!;
  Comlink.transferHandlers.set('throw', {
    canHandle: fallback.canHandle,
    serialize(value: unknown): [SerializedError, Transferable[]] {
      const inner = (value as { value: unknown }).value;
      if (inner instanceof Error) {
        const code = inner instanceof ReplacerError ? inner.code : undefined;
        return [{ name: inner.name, message: inner.message, ...(inner.stack ? { stack: inner.stack } : {}), ...(code ? { code } : {}) }, []];
      }
      return [{ name: 'Error', message: String(inner) }, []];
    },
    deserialize(serialized: unknown): never {
      const s = serialized as SerializedError;
      const err = s.code ? new ReplacerError(s.code, s.message) : Object.assign(new Error(s.message), { name: s.name });
      err.name = s.name;
      if (s.stack) err.stack = s.stack;
      throw err;
    },
  });
}
