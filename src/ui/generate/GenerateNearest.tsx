import type { GeneratedFace, NearestImage } from '../../protocol/messages.ts';
import { GenerateImage } from './GenerateImage.tsx';

/** A generated face beside the training images closest to it, to spot memorisation. */
export function GenerateNearest({ generated, matches, onClose }: { generated: GeneratedFace; matches: readonly NearestImage[]; onClose(): void }) {
  return (
    <section className="nearest" aria-labelledby="nearest-heading" data-testid="nearest-real">
      <div className="nearest-header">
        <h3 id="nearest-heading">Nearest real images to seed {generated.seed}</h3>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="hint">
        If these look identical, the generator is memorising the training set. (#: the image&rsquo;s place in the training set; then its distance, the
        RMS pixel difference on a 0&ndash;255 scale.)
      </p>
      <ol className="nearest-row">
        <li>
          <figure>
            <GenerateImage image={generated.image} label={`Generated face for seed ${generated.seed}`} />
            <figcaption>Generated</figcaption>
          </figure>
        </li>
        {matches.map((match) => (
          <li key={match.index}>
            <figure>
              <GenerateImage image={match.image} label={`Training image ${match.index + 1}, distance ${match.distance.toFixed(1)}`} />
              <figcaption>
                #{match.index + 1} · {match.distance.toFixed(1)}
              </figcaption>
            </figure>
          </li>
        ))}
      </ol>
      {matches.length === 0 && <p className="hint">No training images to compare with.</p>}
    </section>
  );
}
