/**
 * Cost of one in-app quality measurement (src/worker/quality-meter.ts: multi-scale SWD between
 * the held-back real images and as many generated ones) in Node on single-threaded wasm, per
 * image size: total time, the longest stretch between two yields (how long training can be held
 * up at most), and tfjs memory before and after.
 *
 *   npx tsx bench/quality.ts              # 256 images (the in-app maximum) at 16, 32, 64 px
 *   npx tsx bench/quality.ts --images 64
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { createImageSet } from '../src/data/dataset.ts';
import { createGan, disposeGan } from '../src/gan/train-step.ts';
import { HEATON_DEFAULTS, type Resolution } from '../src/protocol/config.ts';
import { createQualityMeter } from '../src/worker/quality-meter.ts';
import { useWasmBackend } from '../tests/unit/backends.ts';
import { cpuModel } from './common.ts';

const { values: args } = parseArgs({ options: { images: { type: 'string', default: '256' } } });
const images = Number(args.images);

await useWasmBackend();
console.log(`Quality measurement (SWD, ${images} real vs ${images} generated, 64 descriptors/image, 256 directions), wasm 1 thread, ${cpuModel()}`);
console.log('| px | levels | total ms | longest slice ms | tensors before → after |');
console.log('|---|---|---|---|---|');
for (const side of [16, 32, 64] as Resolution[]) {
  const set = createImageSet(new Uint8Array(images * side * side * 3).map((_, i) => (i * 7919) % 256), side, 3);
  const gan = createGan({ ...HEATON_DEFAULTS, resolution: side });
  let last = performance.now();
  let longest = 0;
  const meter = createQualityMeter({
    set,
    heldBack: Array.from({ length: images }, (_, i) => i),
    latentSize: gan.config.latentSize,
    runSeed: 1,
    onError: (error) => console.error(error),
    pause: async () => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      await new Promise((resolve) => setTimeout(resolve, 0));
      last = performance.now();
    },
  });
  const before = tf.memory().numTensors;
  const start = performance.now();
  let levels = 0;
  last = start;
  meter.measure(gan.generator, 0, (row) => (levels = row.perLevel.length));
  await meter.whenIdle();
  const total = performance.now() - start;
  longest = Math.max(longest, performance.now() - last);
  console.log(`| ${side} | ${levels} | ${total.toFixed(0)} | ${longest.toFixed(0)} | ${before} → ${tf.memory().numTensors} |`);
  meter.dispose();
  disposeGan(gan);
}
