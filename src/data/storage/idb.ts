/** Promise wrappers over IndexedDB's event API, shared by the data-set cache and the checkpoint store. */

/** The browser's storage estimate (usage and quota), or null where it is unavailable. */
export async function estimateStorage(): Promise<StorageEstimate | null> {
  try {
    const storage = (globalThis.navigator as { storage?: StorageManager } | undefined)?.storage;
    return storage ? await storage.estimate() : null;
  } catch {
    return null;
  }
}

/** Resolves with a request's result; rejects with its error. */
export function requestResult<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

/** Resolves when the transaction commits; rejects with its error (e.g. QuotaExceededError) on abort. */
export function transactionDone(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new DOMException('Transaction aborted', 'AbortError'));
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
  });
}

/**
 * Opens (creating or upgrading) a database whose stores are named in `stores`, each with an
 * optional keyPath; resolves null where IndexedDB is missing or refuses to open (Node, some
 * private-browsing modes, storage disabled), so callers simply go without.
 */
export async function openDatabase(
  factory: IDBFactory | undefined,
  name: string,
  version: number,
  stores: readonly { name: string; keyPath?: string }[],
): Promise<IDBDatabase | null> {
  if (!factory) return null;
  try {
    const request = factory.open(name, version);
    request.onupgradeneeded = () => {
      const upgrading = request.result;
      for (const store of stores) {
        if (upgrading.objectStoreNames.contains(store.name)) continue;
        if (store.keyPath === undefined) upgrading.createObjectStore(store.name);
        else upgrading.createObjectStore(store.name, { keyPath: store.keyPath });
      }
    };
    const db = await requestResult(request);
    // Another tab upgrading the schema must not be blocked by this connection.
    db.onversionchange = () => db.close();
    return db;
  } catch {
    return null;
  }
}
