import { describe, expect, it } from 'vitest';
import { InvalidOptionError, ReplacerError } from '../../src/errors';
import { toReplacerError } from '../../src/element/toReplacerError';

const fallback = { code: 'engine-not-ready', context: 'The engine could not start' } as const;

describe('toReplacerError', () => {
  it('keeps ReplacerErrors as they are', () => {
    const err = new InvalidOptionError('mode', 'bad');
    expect(toReplacerError(err, fallback)).toBe(err);
  });

  it('wraps other errors with the fallback code and context', () => {
    const cause = new TypeError('boom');
    const err = toReplacerError(cause, fallback);
    expect(err).toBeInstanceOf(ReplacerError);
    expect(err.code).toBe('engine-not-ready');
    expect(err.message).toBe('The engine could not start: boom');
    expect(err.cause).toBe(cause);
  });

  it('wraps non-errors', () => {
    expect(toReplacerError('text', fallback).message).toBe('The engine could not start: text');
  });
});
