import type { BackendName, BackendRejection } from '../protocol/messages.ts';

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
        Backend: <strong data-testid="backend-name" data-backend={backend}>{backend}</strong> ({BACKEND_LABELS[backend]}
        {wasmThreads !== null && `, ${wasmThreads} ${wasmThreads === 1 ? 'thread' : 'threads'}${crossOriginIsolated ? '' : ' (page not cross-origin isolated)'}`})
      </span>
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
