import { describe, expect, it } from 'vitest';
import { ReplacerError } from '../../src/errors';
import { clearStoredPlate, loadPlate, savePlate, type StoredPlate } from '../../src/sources/plateStore';

/**
 * A minimal asynchronous IndexedDB stand-in (open with upgrade, one object store, get / put /
 * delete in transactions), with failures to inject. The real IndexedDB is covered by the
 * Playwright test (test/e2e/plate.spec.ts).
 */
class FakeIndexedDB {
  readonly databases = new Map<string, { version: number; stores: Map<string, Map<IDBValidKey, unknown>> }>();
  /** Error name of the next open (e.g. 'UnknownError'), or of the next write ('QuotaExceededError'). */
  failOpen: string | null = null;
  failWrite: string | null = null;
  openConnections = 0;

  open(name: string, version: number): IDBOpenDBRequest {
    const request = fakeRequest() as IDBOpenDBRequest & Record<string, unknown>;
    setTimeout(() => {
      if (this.failOpen) {
        (request as { error: DOMException }).error = new DOMException('open failed', this.failOpen);
        request.onerror?.(fakeEvent());
        return;
      }
      let entry = this.databases.get(name);
      const upgrade = !entry || entry.version < version;
      entry ??= { version, stores: new Map() };
      entry.version = version;
      this.databases.set(name, entry);
      this.openConnections++;
      (request as { result: unknown }).result = this.connection(entry.stores);
      if (upgrade) request.onupgradeneeded?.(fakeEvent() as IDBVersionChangeEvent);
      request.onsuccess?.(fakeEvent());
    });
    return request;
  }

  private connection(stores: Map<string, Map<IDBValidKey, unknown>>): IDBDatabase {
    const factory = this;
    return {
      objectStoreNames: { contains: (n: string) => stores.has(n) },
      createObjectStore: (n: string) => stores.set(n, new Map()),
      close: () => factory.openConnections--,
      transaction(storeName: string, mode: IDBTransactionMode) {
        const data = stores.get(storeName);
        if (!data) throw new DOMException(`no store ${storeName}`, 'NotFoundError');
        const tx = { error: null as DOMException | null } as unknown as IDBTransaction & Record<string, unknown>;
        const op = (apply: () => unknown, write: boolean): IDBRequest => {
          if (write && mode !== 'readwrite') throw new DOMException('read-only', 'ReadOnlyError');
          const request = fakeRequest();
          setTimeout(() => {
            if (write && factory.failWrite) {
              const error = new DOMException('write failed', factory.failWrite);
              (request as { error: DOMException }).error = error;
              (tx as { error: DOMException }).error = error;
              request.onerror?.(fakeEvent());
              tx.onerror?.(fakeEvent());
              tx.onabort?.(fakeEvent());
              return;
            }
            (request as { result: unknown }).result = apply();
            request.onsuccess?.(fakeEvent());
            tx.oncomplete?.(fakeEvent());
          });
          return request;
        };
        tx.objectStore = () =>
          ({
            get: (key: IDBValidKey) => op(() => data.get(key), false),
            put: (value: unknown, key: IDBValidKey) => op(() => void data.set(key, value), true),
            delete: (key: IDBValidKey) => op(() => void data.delete(key), true),
          }) as unknown as IDBObjectStore;
        return tx;
      },
    } as unknown as IDBDatabase;
  }
}

function fakeRequest(): IDBRequest {
  return { result: undefined, error: null } as unknown as IDBRequest;
}

function fakeEvent(): Event {
  return { preventDefault: () => undefined } as unknown as Event;
}

function plate(): StoredPlate {
  return { blob: new Blob([new Uint8Array([137, 80, 78, 71])], { type: 'image/png' }), width: 640, height: 360, capturedAt: new Date(1_700_000_000_000) };
}

async function rejection(promise: Promise<unknown>): Promise<ReplacerError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ReplacerError);
  return err as ReplacerError;
}

describe('plate store', () => {
  it('saves, loads and clears a plate, closing every connection', async () => {
    const idb = new FakeIndexedDB();
    const options = { indexedDB: idb as unknown as IDBFactory, dbName: 'test' };
    expect(await loadPlate(options)).toBeNull();
    await savePlate(plate(), options);
    const loaded = await loadPlate(options);
    expect(loaded).not.toBeNull();
    expect([loaded!.width, loaded!.height, loaded!.capturedAt.toISOString()]).toEqual([640, 360, '2023-11-14T22:13:20.000Z']);
    expect(new Uint8Array(await loaded!.blob.arrayBuffer())).toEqual(new Uint8Array([137, 80, 78, 71]));
    // The date is stored as a number, not a Date.
    expect(idb.databases.get('test')!.stores.get('plate')!.get('current')).toMatchObject({ capturedAt: 1_700_000_000_000 });
    await clearStoredPlate(options);
    expect(await loadPlate(options)).toBeNull();
    await clearStoredPlate(options);
    expect(idb.openConnections).toBe(0);
  });

  it('a full storage (quota) rejects the save with an actionable ReplacerError', async () => {
    const idb = new FakeIndexedDB();
    idb.failWrite = 'QuotaExceededError';
    const err = await rejection(savePlate(plate(), { indexedDB: idb as unknown as IDBFactory }));
    expect(err.code).toBe('storage-failed');
    expect(err.message).toMatch(/Could not store the background plate: the browser's storage for this site is full .* will not survive a reload/);
    expect((err.cause as DOMException).name).toBe('QuotaExceededError');
    expect(idb.openConnections).toBe(0);
  });

  it('other failures are raised too: open errors, no IndexedDB, failed deletes', async () => {
    const idb = new FakeIndexedDB();
    idb.failOpen = 'UnknownError';
    const open = await rejection(loadPlate({ indexedDB: idb as unknown as IDBFactory }));
    expect(open.message).toMatch(/Could not read the stored background plate: open failed/);

    // Node has no IndexedDB: the default factory is missing.
    const missing = await rejection(loadPlate());
    expect(missing.message).toMatch(/no IndexedDB storage/);

    const idb2 = new FakeIndexedDB();
    idb2.failWrite = 'UnknownError';
    const del = await rejection(clearStoredPlate({ indexedDB: idb2 as unknown as IDBFactory }));
    expect(del.message).toMatch(/Could not delete the stored background plate/);
  });

  it('a malformed record is reported as corrupt-input, not returned', async () => {
    const idb = new FakeIndexedDB();
    const options = { indexedDB: idb as unknown as IDBFactory };
    await savePlate(plate(), options);
    idb.databases.get('bg-replacer')!.stores.get('plate')!.set('current', { blob: 'nope', width: 1, height: 1, capturedAt: 0 });
    const err = await rejection(loadPlate(options));
    expect(err.code).toBe('corrupt-input');
    expect(err.message).toMatch(/capture the background again/);
  });
});
