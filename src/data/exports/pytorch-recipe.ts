/**
 * "Continue in PyTorch": a zip that continues the run in PyTorch, on one machine or many
 * (torchrun), and comes back to Ganvas as a checkpoint and a generator zip. Built in the worker
 * between training steps and streamed, like the Keras recipe.
 *
 * Layout:
 *   train.py                 the trainer (src/data/exports/pytorch/train.py, shipped as it is)
 *   README.md                the commands, what comes back
 *   ganvas-recipe.json       the data set's identity, file, shape, size and CRC-32; the run summary;
 *                            the app's next batch indices, flips and noise (train.py checks it draws the same)
 *   training_data_S_S.npy    Heaton's float32 (N, S, S, C) in [-1, 1]
 *   checkpoint.ganvas        the run's complete state: weights, BN statistics, both Adams, step, history
 *   generator/model.json     the generator's tfjs topology, which train.py's generator.zip reuses
 */
import { encodeCheckpoint } from '../../gan/checkpoint.ts';
import { stepNoise } from '../../gan/train-step.ts';
import { chooseBatch } from '../dataset.ts';
import { addModel, datasetFileName, type RecipeSources } from './keras-recipe.ts';
import { heatonNpyChunks } from './npy.ts';
import TRAIN_PY from './pytorch/train.py?raw';
import { createZipWriter } from '../zip/zip-writer.ts';

/** Bumped when the recipe's layout or ganvas-recipe.json's meaning changes (train.py checks it). */
export const PYTORCH_RECIPE_FORMAT = 1;

/** The app's batch and noise for step `step`, which a one-process train.py must draw too. */
export interface NextStep {
  step: number;
  indices: number[];
  flips: boolean[];
  /** [batch · latent] float32 values, row-major. */
  noise: number[];
}

/** ganvas-recipe.json. */
export interface PytorchRecipeManifest {
  format: number;
  datasetIdentity: string | null;
  dataset: { file: string; shape: number[]; bytes: number; crc32: number };
  summary: RecipeSources['summary'];
  nextStep: NextStep;
}

/** The batch, flips and noise the app would use for the run's next step. */
export async function nextStepOf(sources: RecipeSources): Promise<NextStep> {
  const { config, step } = sources.checkpoint;
  const { indices, flips } = chooseBatch(config.seed, step, config.batchSize, sources.set.count, config.flip, sources.pool);
  const noise = stepNoise(config, step);
  try {
    return { step, indices, flips, noise: Array.from(await noise.data()) };
  } finally {
    noise.dispose();
  }
}

/** The recipe's README: the two commands, what comes back, and how to bring it home. */
export function pytorchReadme(sources: RecipeSources): string {
  const { summary } = sources;
  const { config } = summary;
  const npy = datasetFileName(config.resolution);
  const count = summary.dataset?.count.toLocaleString('en-US') ?? String(sources.set.count);
  return `# Ganvas: continue this run in PyTorch

Trained in the browser with Ganvas for ${summary.step.toLocaleString('en-US')} steps (${config.architecture}, ${config.resolution}×${config.resolution}, ${config.channels === 3 ? 'RGB' : 'grayscale'}, width ×${config.width}, batch ${config.batchSize}, seed ${config.seed}).

- \`train.py\`: the same networks, losses, optimisers and step order as Ganvas, in PyTorch (1.13 or later, with numpy).
- \`checkpoint.ganvas\`: the run as it is now (weights, BatchNorm statistics, both Adam states, step, metric history).
- \`${npy}\`: the ${count} training images, float32 (N, ${config.resolution}, ${config.resolution}, ${config.channels}) in [-1, 1].
- \`ganvas-recipe.json\`: which data set this is (checked before training), and the app's next batch and noise.

## One machine

\`\`\`sh
python3 train.py --steps 10000 --out run                      # one process (a GPU if there is one)
torchrun --nproc_per_node=4 train.py --steps 10000 --out run   # 4 processes: GPUs (nccl) or CPU cores (gloo)
\`\`\`

## Several machines

On each machine (node_rank 0 on the one whose address is HOST, 1, 2, … on the others):

\`\`\`sh
torchrun --nnodes=2 --node_rank=0 --nproc_per_node=8 --master_addr=HOST --master_port=29500 train.py --steps 10000 --out run
\`\`\`

The batch (${config.batchSize}) is split among the processes, so their number must divide it.
Debian's torch 1.13 on Python 3.11: its torchrun crashes on its own defaults; add \`--redirects 1 --tee 1\`.

## What comes back

Every \`--checkpoint-every\` steps (default 500) and at the end, \`run/checkpoint.ganvas\` and
\`run/generator.zip\` are (re)written. If \`run/checkpoint.ganvas\` exists when train.py starts, it
resumes from it and stops at the same final step, so rerunning an interrupted command finishes it.

- In Ganvas, load the same images (same size and crop), then **Load checkpoint…** and choose
  \`run/checkpoint.ganvas\`: the run continues in the browser, with its charts.
- In Ganvas's **Generate** view, **Load generator…** takes \`run/generator.zip\`: seeds, walks and exports.

One process draws exactly the batches, flips and noise the app would have drawn (dropout masks
too with \`--dropout-masks app\`, slow, for checking). Several processes share each batch;
BatchNorm then normalises each process's share.
`;
}

/** The PyTorch recipe as a zip (stored; the .npy streamed from the set). */
export async function pytorchRecipeZip(sources: RecipeSources): Promise<Blob> {
  const { set, checkpoint, summary } = sources;
  const zip = createZipWriter();
  const file = datasetFileName(set.side);
  const npy = await zip.add(file, heatonNpyChunks(set));
  await zip.add('checkpoint.ganvas', encodeCheckpoint(checkpoint));
  // The topology only: train.py writes the weights it trained.
  await addModel(zip, 'generator', sources.generator, false);
  const manifest: PytorchRecipeManifest = {
    format: PYTORCH_RECIPE_FORMAT,
    datasetIdentity: checkpoint.datasetIdentity,
    dataset: { file, shape: [set.count, set.side, set.side, set.channels], bytes: npy.size, crc32: npy.crc32 },
    summary,
    nextStep: await nextStepOf(sources),
  };
  await zip.add('ganvas-recipe.json', JSON.stringify(manifest, null, 2));
  await zip.add('train.py', TRAIN_PY);
  await zip.add('README.md', pytorchReadme(sources));
  return zip.finish();
}
