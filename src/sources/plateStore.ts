/**
 * Keeping the captured background plate across reloads: one PNG in IndexedDB, with its size
 * and capture date. Every failure (no IndexedDB, storage full, a corrupt record) is raised as
 * a ReplacerError with a message the user can act on; nothing is swallowed.
 */
import { ReplacerError, type ErrorCode } from '../errors';

/** A plate as stored: a PNG of the clean background, its size and when it was captured. */
export interface StoredPlate {
  /** PNG image of the plate. */
  blob: Blob;
  width: number;
  height: number;
  capturedAt: Date;
}

/** Where plates are kept; tests pass their own database name or IndexedDB implementation. */
export interface PlateStoreOptions {
  /** Database name. Default `bg-replacer`. */
  dbName?: string;
  /** The IndexedDB factory. Default `globalThis.indexedDB`. */
  indexedDB?: IDBFactory;
}

const DEFAULT_DB = 'bg-replacer';
const VERSION = 1;
const STORE = 'plate';
const KEY = 'current';
/** Code of storage failures (this browser / profile cannot keep the plate). */
const STORAGE_CODE: ErrorCode = 'storage-failed';
/** Said when a plate cannot be stored: it still works until the page is closed. */
const SESSION_ONLY = 'the plate works now but will not survive a reload';

/** The record in the object store; the date is kept as milliseconds since the epoch. */
interface PlateRecord {
  blob: Blob;
  width: number;
  height: number;
  capturedAt: number;
}

/**
 * Loads the stored plate.
 * @returns the plate, or null when none is stored
 * @throws ReplacerError when IndexedDB is unavailable or fails ('unsupported-input'), or the
 *   stored record is unreadable ('corrupt-input'; clear it and capture again)
 */
export async function loadPlate(options: PlateStoreOptions = {}): Promise<StoredPlate | null> {
  const record = await withStore(options, 'readonly', { what: 'read the stored background plate' }, (store) => store.get(KEY));
  if (record === undefined) return null;
  if (!isPlateRecord(record)) {
    throw new ReplacerError('corrupt-input', 'The stored background plate is unreadable — clear it and capture the background again.');
  }
  return { blob: record.blob, width: record.width, height: record.height, capturedAt: new Date(record.capturedAt) };
}

/**
 * Stores `plate`, replacing any previous one.
 * @throws ReplacerError 'unsupported-input' when IndexedDB is unavailable, the storage is full
 *   (quota) or the write fails
 */
export async function savePlate(plate: StoredPlate, options: PlateStoreOptions = {}): Promise<void> {
  const record: PlateRecord = { blob: plate.blob, width: plate.width, height: plate.height, capturedAt: plate.capturedAt.getTime() };
  await withStore(options, 'readwrite', { what: 'store the background plate', hint: SESSION_ONLY }, (store) => store.put(record, KEY));
}

/**
 * Deletes the stored plate (no-op when there is none).
 * @throws ReplacerError 'unsupported-input' when IndexedDB is unavailable or the delete fails
 */
export async function clearStoredPlate(options: PlateStoreOptions = {}): Promise<void> {
  await withStore(options, 'readwrite', { what: 'delete the stored background plate' }, (store) => store.delete(KEY));
}

/**
 * Encodes a plate bitmap as PNG, ready for {@link savePlate}. The bitmap is not closed.
 * @throws ReplacerError 'corrupt-input' when the bitmap cannot be encoded (e.g. it was closed)
 */
export async function encodePlate(bitmap: ImageBitmap, capturedAt = new Date()): Promise<StoredPlate> {
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2D canvas context');
    context.drawImage(bitmap, 0, 0);
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    return { blob, width: bitmap.width, height: bitmap.height, capturedAt };
  } catch (err) {
    throw new ReplacerError('corrupt-input', `The background plate could not be encoded as PNG: ${message(err)}`, { cause: err });
  }
}

function isPlateRecord(value: unknown): value is PlateRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Partial<PlateRecord>;
  return (
    r.blob instanceof Blob &&
    Number.isInteger(r.width) &&
    Number.isInteger(r.height) &&
    r.width! > 0 &&
    r.height! > 0 &&
    typeof r.capturedAt === 'number' &&
    Number.isFinite(r.capturedAt)
  );
}

/**
 * Opens the database, runs one request in a transaction on the plate store and resolves with
 * its result once the transaction has committed.
 * @param action for error messages: what was attempted ("store the background plate") and
 *   what it means for the user when it failed
 */
async function withStore(
  options: PlateStoreOptions,
  mode: IDBTransactionMode,
  action: Action,
  request: (store: IDBObjectStore) => IDBRequest,
): Promise<unknown> {
  const db = await openDatabase(options, action);
  try {
    return await new Promise<unknown>((resolve, reject) => {
      let result: unknown;
      let transaction: IDBTransaction;
      try {
        transaction = db.transaction(STORE, mode);
        const req = request(transaction.objectStore(STORE));
        req.onsuccess = () => (result = req.result);
      } catch (err) {
        reject(storageError(err, action));
        return;
      }
      transaction.oncomplete = () => resolve(result);
      // A failed request aborts the transaction (its error is the transaction's error).
      transaction.onabort = () => reject(storageError(transaction.error, action));
      transaction.onerror = (event) => event.preventDefault();
    });
  } finally {
    db.close();
  }
}

interface Action {
  what: string;
  hint?: string;
}

function openDatabase(options: PlateStoreOptions, action: Action): Promise<IDBDatabase> {
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!factory) {
    return Promise.reject(failure(action, 'this browser offers no IndexedDB storage here (private window?)'));
  }
  return new Promise<IDBDatabase>((resolve, reject) => {
    let settled = false;
    const fail = (error: ReplacerError): void => {
      settled = true;
      reject(error);
    };
    let request: IDBOpenDBRequest;
    try {
      request = factory.open(options.dbName ?? DEFAULT_DB, VERSION);
    } catch (err) {
      fail(storageError(err, action));
      return;
    }
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE);
    };
    request.onsuccess = () => {
      // Opened after all, but too late (blocked): release it.
      if (settled) request.result.close();
      else resolve(request.result);
    };
    request.onerror = (event) => {
      event.preventDefault();
      fail(storageError(request.error, action));
    };
    request.onblocked = () => fail(failure(action, 'another tab holds an older version of the storage — close it and reload'));
  });
}

function failure(action: Action, reason: string, cause?: unknown): ReplacerError {
  const text = `Could not ${action.what}: ${reason}${action.hint ? ` — ${action.hint}` : ''}.`;
  return new ReplacerError(STORAGE_CODE, text, cause === undefined ? undefined : { cause });
}

/** Maps an IndexedDB / DOMException failure to an actionable ReplacerError. */
function storageError(err: unknown, action: Action): ReplacerError {
  if (err instanceof ReplacerError) return err;
  const name = err instanceof Error || err instanceof DOMException ? err.name : '';
  if (name === 'QuotaExceededError') {
    return failure(action, "the browser's storage for this site is full — free some disk space or site data", err);
  }
  if (name === 'SecurityError' || name === 'InvalidStateError') {
    return failure(action, 'storage is blocked for this site (browser settings or a private window)', err);
  }
  return failure(action, message(err) || 'IndexedDB failed', err);
}

function message(err: unknown): string {
  if (err instanceof Error || err instanceof DOMException) return err.message;
  return err == null ? '' : String(err);
}
