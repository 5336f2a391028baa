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
