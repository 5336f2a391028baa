import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { ARCHITECTURE_REGISTRY, buildModels, type GanModels } from '../../../src/gan/architectures.ts';
import { ARCHITECTURES, HEATON_DEFAULTS, SUPPORTED_RESOLUTIONS, type TrainConfig } from '../../../src/protocol/config.ts';
import { useCpuBackend } from '../backends.ts';

beforeAll(useCpuBackend);

function withModels<T>(config: TrainConfig, use: (models: GanModels) => T): T {
  const models = buildModels(config);
  try {
    return use(models);
  } finally {
    models.generator.dispose();
    models.discriminator.dispose();
  }
}

describe('heaton parameter counts equal Keras (width 1, RGB)', () => {
  test.each([
    [32, 1_894_915, 1_585_217],
    [64, 2_043_011, 1_613_889],
    [96, 2_043_011, 1_658_945],
  ] as const)('%i px: G %i, D %i', (resolution, generatorParams, discriminatorParams) => {
    withModels({ ...HEATON_DEFAULTS, resolution }, ({ generator, discriminator }) => {
      expect(generator.countParams()).toBe(generatorParams);
      expect(discriminator.countParams()).toBe(discriminatorParams);
    });
  });

  test('128 px uses the same generator as 64 px (one ×4 upsampling block)', () => {
    withModels({ ...HEATON_DEFAULTS, resolution: 128 }, ({ generator }) => {
      expect(generator.countParams()).toBe(2_043_011);
      expect(generator.layers.filter((l) => l.getClassName() === 'UpSampling2D').map((l) => l.getConfig()['size'])).toEqual([
        [2, 2],
        [2, 2],
        [2, 2],
        [4, 4],
      ]);
    });
  });
});

describe('dcgan at 64 px has the PyTorch reference widths', () => {
  test('G: ConvT 100→512→256→128→64→3, D: 3→64→128→256→512→1, no biases', () => {
    withModels({ ...HEATON_DEFAULTS, architecture: 'dcgan', resolution: 64 }, ({ generator, discriminator }) => {
      const filters = (model: tf.Sequential) =>
        model.layers.filter((l) => /Conv2D/.test(l.getClassName())).map((l) => l.getConfig()['filters']);
      expect(filters(generator)).toEqual([512, 256, 128, 64, 3]);
      expect(filters(discriminator)).toEqual([64, 128, 256, 512, 1]);
      // PyTorch counts 3,576,704 (netG) and 2,765,568 (netD) parameters; tfjs also counts BN's
      // moving mean and variance: 2 × (512 + 256 + 128 + 64) and 2 × (128 + 256 + 512).
      expect(generator.countParams()).toBe(3_576_704 + 2 * 960);
      expect(discriminator.countParams()).toBe(2_765_568 + 2 * 896);
      const biases = [...generator.weights, ...discriminator.weights].filter((w) => /conv.*bias/.test(w.name));
      expect(biases).toEqual([]);
    });
  });
});

describe('every architecture and resolution', () => {
  const cases = ARCHITECTURES.flatMap((architecture) =>
    SUPPORTED_RESOLUTIONS[architecture].map((resolution) => [architecture, resolution] as const),
  );
  test.each(cases)('%s at %i px: shapes and value ranges', (architecture, resolution) => {
    for (const channels of [1, 3] as const) {
      const config: TrainConfig = { ...HEATON_DEFAULTS, architecture, resolution, channels, width: 1 / 16, latentSize: 8 };
      withModels(config, ({ generator, discriminator }) => {
        tf.tidy(() => {
          const noise = tf.randomNormal([2, 8], 0, 3, 'float32', 1);
          const images = generator.predict(noise) as tf.Tensor;
          expect(images.shape).toEqual([2, resolution, resolution, channels]);
          expect(images.min().arraySync()).toBeGreaterThanOrEqual(-1);
          expect(images.max().arraySync()).toBeLessThanOrEqual(1);
          const judged = discriminator.apply(images, { training: true }) as tf.Tensor;
          expect(judged.shape).toEqual([2, 1]);
          expect(judged.min().arraySync()).toBeGreaterThanOrEqual(0);
          expect(judged.max().arraySync()).toBeLessThanOrEqual(1);
        });
      });
    }
  });

  test('the registry lists each architecture with its resolutions', () => {
    for (const name of ARCHITECTURES) {
      expect(ARCHITECTURE_REGISTRY[name].name).toBe(name);
      expect(ARCHITECTURE_REGISTRY[name].resolutions).toEqual(SUPPORTED_RESOLUTIONS[name]);
    }
  });

  test('the same seed builds identical weights; another seed does not', () => {
    const config: TrainConfig = { ...HEATON_DEFAULTS, resolution: 16, width: 1 / 16 };
    const weightsOf = (seed: number) =>
      withModels({ ...config, seed }, ({ generator, discriminator }) =>
        [...generator.getWeights(), ...discriminator.getWeights()].map((w) => Array.from(w.dataSync())),
      );
    const first = weightsOf(7);
    expect(weightsOf(7)).toEqual(first);
    expect(weightsOf(8)).not.toEqual(first);
  });
});
