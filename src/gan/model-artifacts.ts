/**
 * A Layers model's files as plain data, for downloads and uploads (tf only, no DOM).
 */
import * as tf from '@tensorflow/tfjs';
import type { GeneratorArtifacts } from '../protocol/messages.ts';

/**
 * A Layers model as plain tfjs ModelArtifacts (topology, weight specs, one weights buffer), as
 * `model.save` hands them to a save handler. `downloads://` cannot be used here: a worker has no
 * `document`; the page builds the files.
 */
export async function modelArtifacts(model: tf.LayersModel): Promise<GeneratorArtifacts> {
  const artifacts = await new Promise<tf.io.ModelArtifacts>((resolve, reject) => {
    model
      .save(
        tf.io.withSaveHandler(async (saved) => {
          resolve(saved);
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      )
      .catch(reject);
  });
  const weightData = artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0);
  return {
    modelTopology: artifacts.modelTopology,
    weightSpecs: (artifacts.weightSpecs ?? []).map(({ name, shape, dtype }) => ({ name, shape, dtype })),
    weightData,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: artifacts.convertedBy ?? null,
  };
}
