/**
 * Typed errors with messages a user can act on. Every error the product raises on
 * purpose is one of these, so the UI, the API and the CLI can tell them apart by `code`.
 */
export type ErrorCode =
  | 'invalid-option'
  | 'camera-permission-denied'
  | 'camera-not-found'
  | 'camera-in-use'
  | 'webgpu-unavailable'
  | 'gpu-device-lost'
  | 'model-integrity'
  | 'model-load'
  | 'unsupported-input'
  | 'corrupt-input'
  | 'engine-not-ready'
  | 'engine-failed'
  | 'disposed'
  | 'storage-failed';

/** Base class of every error this product raises on purpose. */
export class ReplacerError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ReplacerError';
  }
}

/** An option value out of range or of the wrong type; `option` names it. */
export class InvalidOptionError extends ReplacerError {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super('invalid-option', `Invalid option "${option}": ${message}`);
    this.name = 'InvalidOptionError';
  }
}

/** Thrown when a model file does not match the sha256 in the model manifest (src/models/manifest.json). */
export class ModelIntegrityError extends ReplacerError {
  constructor(file: string, expected: string, actual: string) {
    super(
      'model-integrity',
      `Model ${file} is corrupt or was replaced: sha256 ${actual.slice(0, 16)}… ≠ expected ${expected.slice(0, 16)}…. Reinstall with \`npm ci\`.`,
    );
    this.name = 'ModelIntegrityError';
  }
}

/** A file or stream the product cannot read: wrong format, truncated or malformed. */
export class InputError extends ReplacerError {
  constructor(code: 'unsupported-input' | 'corrupt-input', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'InputError';
  }
}

/**
 * Maps a getUserMedia rejection to an actionable ReplacerError.
 * @param err the DOMException (or anything) getUserMedia rejected with
 */
export function cameraError(err: unknown): ReplacerError {
  const name = err instanceof Error ? err.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return new ReplacerError(
        'camera-permission-denied',
        'Camera permission denied — allow the camera in the address bar (site settings), then try again.',
        { cause: err },
      );
    case 'NotFoundError':
    case 'OverconstrainedError':
      return new ReplacerError('camera-not-found', 'No camera found — plug one in or pick another in the list.', { cause: err });
    case 'NotReadableError':
    case 'AbortError':
      return new ReplacerError(
        'camera-in-use',
        'The camera could not be started — another app may be using it; close it and try again.',
        { cause: err },
      );
    default:
      return new ReplacerError('camera-not-found', `The camera could not be opened: ${String(err)}`, { cause: err });
  }
}
