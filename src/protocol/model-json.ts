/**
 * The model.json tfjs writes for a Layers model, built from plain artifacts. Pure, so the page
 * (generator downloads) and the worker (recipe exports) write the same file.
 */
import type { GeneratorArtifacts } from './messages.ts';

/** Where model.json says the weights are; relative, so the folder can move as a whole. */
export const WEIGHTS_FILE = 'weights.bin';

/** The model.json tfjs writes for a Layers model (the shape tf.io.browserDownloads produces). */
export interface ModelJson {
  modelTopology: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest: { paths: string[]; weights: GeneratorArtifacts['weightSpecs'] }[];
}

/** model.json for `artifacts`, with one weights group pointing at ./weights.bin. */
export function buildModelJson(artifacts: GeneratorArtifacts): ModelJson {
  return {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: artifacts.weightSpecs }],
  };
}
