import type { StoredCheckpointInfo } from '../../protocol/messages.ts';

export interface CheckpointBannerProps {
  stored: StoredCheckpointInfo;
  /** Set when the stored run needs data the page cannot load by itself (a zip). */
  needsData: boolean;
  busy: boolean;
  onResume(): void;
  onDiscard(): void;
}

/** Offers to continue a run that an earlier visit saved in browser storage. */
export function CheckpointBanner({ stored, needsData, busy, onResume, onDiscard }: CheckpointBannerProps) {
  return (
    <section className="banner info" role="region" aria-label="Saved run">
      <div>
        <p>
          Resume training at step {stored.step.toLocaleString('en-US')} on {stored.datasetName}?
        </p>
        {needsData && <p className="hint">Load {stored.datasetName} again (the same images, size and crop) first, then press Resume.</p>}
      </div>
      <div className="banner-actions">
        <button type="button" className="primary" disabled={busy} onClick={onResume}>
          {busy ? 'Preparing…' : 'Resume'}
        </button>
        <button type="button" disabled={busy} onClick={onDiscard}>
          Discard
        </button>
      </div>
    </section>
  );
}
