import { everyCoreFromUrl } from './use-trainer.ts';
import { BACKEND_PREFERENCE, isBackendName, type BackendName, type BackendRejection } from '../protocol/messages.ts';

const BACKEND_LABELS: Record<BackendName, string> = {
  webgpu: 'WebGPU',
  webgl: 'WebGL',
  wasm: 'WebAssembly',
  cpu: 'plain JavaScript (slow)',
};

/** Which tfjs backend the worker got, and why better ones were passed over. */
export function BackendBadge({
  backend,
  rejected,
  crossOriginIsolated,
  wasmThreads,
}: {
  backend: BackendName | null;
  rejected: BackendRejection[];
  crossOriginIsolated: boolean;
  wasmThreads: number | null;
}) {
  if (!backend) {
    return (
      <p className="backend" role="status">
        Starting tfjs…
      </p>
    );
  }
  return (
    <div className="backend" role="status">
      <span>
        Training on {BACKEND_LABELS[backend]}
        {wasmThreads !== null && ` (${wasmThreads} ${wasmThreads === 1 ? 'core' : 'cores'}${crossOriginIsolated ? '' : '; the page is not cross-origin isolated, so only one'})`}{' '}
        <strong className="backend-id" data-testid="backend-name" data-backend={backend}>
          {backend}
        </strong>
      </span>
      <BackendSelector />
      {backend === 'wasm' && crossOriginIsolated && <CoresChoice />}
      {rejected.length > 0 && (
        <details>
          <summary>Why not a faster backend?</summary>
          <ul>
            {rejected.map((r) => (
              <li key={r.backend}>
                {r.backend}: {r.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

/**
 * "Use every core": wasm trains on all cores (faster) or leaves one to the page (smoother on
 * slow machines). Like the backend, it applies from a fresh worker, so the choice reloads with
 * `?cores=`; the run is resumed from its checkpoint.
 */
function CoresChoice() {
  const cores = navigator.hardwareConcurrency || 1;
  if (cores < 2) return null;
  const everyCore = everyCoreFromUrl();
  return (
    <label className="inline cores-choice">
      <input
        type="checkbox"
        checked={everyCore}
        onChange={(event) => {
          const url = new URL(window.location.href);
          url.searchParams.set('cores', event.target.checked ? 'all' : 'spare');
          window.location.assign(url);
        }}
      />
      Use every core ({cores}): faster; the page may stutter on a slow machine
    </label>
  );
}

/**
 * Lets the user force a backend. tfjs can switch backends only before any model exists, and
 * the worker owns the models, so the choice is applied by reloading with `?backend=` (the
 * loaded data comes back from the cache).
 */
function BackendSelector() {
  const requested = new URLSearchParams(window.location.search).get('backend');
  const current = requested && isBackendName(requested) ? requested : 'auto';
  return (
    <label className="inline backend-selector">
      Use
      <select
        value={current}
        onChange={(event) => {
          const url = new URL(window.location.href);
          if (event.target.value === 'auto') url.searchParams.delete('backend');
          else url.searchParams.set('backend', event.target.value);
          window.location.assign(url);
        }}
      >
        <option value="auto">the fastest available (automatic)</option>
        {BACKEND_PREFERENCE.map((name) => (
          <option key={name} value={name}>
            {name} ({BACKEND_LABELS[name]})
          </option>
        ))}
      </select>
    </label>
  );
}
