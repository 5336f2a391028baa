import { useEffect, useState } from 'react';
import {
  ARCHITECTURES,
  ARCHITECTURE_LABELS,
  HEATON_DEFAULTS,
  SUPPORTED_RESOLUTIONS,
  type Architecture,
  type Resolution,
  type TrainConfig,
} from '../protocol/config.ts';
import { BackendBadge } from './BackendBadge.tsx';
import { FaceGrid } from './FaceGrid.tsx';
import { useTrainer } from './use-trainer.ts';

export function App() {
  const { state, requestPreview } = useTrainer();
  const [config, setConfig] = useState<TrainConfig>({ ...HEATON_DEFAULTS });

  // The preview is re-rendered whenever the worker is ready and the architecture changes.
  useEffect(() => {
    if (state.backend) requestPreview(config);
  }, [state.backend, config, requestPreview]);

  const setArchitecture = (architecture: Architecture) => {
    const resolutions = SUPPORTED_RESOLUTIONS[architecture];
    const resolution = resolutions.includes(config.resolution) ? config.resolution : (resolutions.at(-1) ?? config.resolution);
    setConfig({ ...config, architecture, resolution });
  };

  return (
    <div className="app">
      <header className="app-header">
        <h1>Ganvas</h1>
        <p className="tagline">Train a face GAN in your browser. Nothing leaves your machine.</p>
        <BackendBadge backend={state.backend} rejected={state.rejected} crossOriginIsolated={state.crossOriginIsolated} />
      </header>

      <main>
        <section className="panel" aria-labelledby="preview-heading">
          <h2 id="preview-heading">Untrained generator</h2>
          <p className="hint">
            The fixed-seed grid of {config.gridRows * config.gridCols} faces you will watch evolve during training. Before
            training it is noise.
          </p>
          <div className="controls">
            <label>
              Architecture
              <select value={config.architecture} disabled={state.busy} onChange={(e) => setArchitecture(e.target.value as Architecture)}>
                {ARCHITECTURES.map((name) => (
                  <option key={name} value={name}>
                    {ARCHITECTURE_LABELS[name]}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Resolution
              <select
                value={config.resolution}
                disabled={state.busy}
                onChange={(e) => setConfig({ ...config, resolution: Number(e.target.value) as Resolution })}
              >
                {SUPPORTED_RESOLUTIONS[config.architecture].map((side) => (
                  <option key={side} value={side}>
                    {side}×{side} px
                  </option>
                ))}
              </select>
            </label>
          </div>
          {state.error && (
            <p className="error" role="alert">
              {state.error}
            </p>
          )}
          {state.grid ? (
            <FaceGrid frame={state.grid} label={`Generator output at step ${state.grid.step} (${state.grid.width}×${state.grid.height} px)`} />
          ) : (
            <div className="grid-placeholder" role="status">
              {state.backend ? 'Rendering the first grid…' : 'Starting the training engine…'}
            </div>
          )}
          {state.busy && state.grid && (
            <p className="hint" role="status">
              Rendering…
            </p>
          )}
        </section>
      </main>
    </div>
  );
}
