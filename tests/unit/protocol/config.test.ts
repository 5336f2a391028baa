import { describe, expect, test } from 'vitest';
import { HEATON_DEFAULTS, gridSize, validateConfig, type TrainConfig } from '../../../src/protocol/config.ts';

function withField(overrides: Partial<Record<keyof TrainConfig, unknown>>): TrainConfig {
  return { ...HEATON_DEFAULTS, ...overrides } as TrainConfig;
}

describe('HEATON_DEFAULTS', () => {
  test("are Heaton's constants and valid", () => {
    expect(HEATON_DEFAULTS).toMatchObject({
      architecture: 'heaton',
      resolution: 64,
      channels: 3,
      latentSize: 100,
      batchSize: 32,
      steps: 10_000,
      generatorLearningRate: 1.5e-4,
      generatorBeta1: 0.5,
      discriminatorLearningRate: 1.5e-4,
      discriminatorBeta1: 0.5,
      previewEvery: 100,
      gridRows: 4,
      gridCols: 7,
      gridMargin: 16,
      dropout: 0.25,
      batchNormMomentum: 0.8,
      leakySlope: 0.2,
      width: 1,
      labelSmoothing: 0,
    });
    expect(validateConfig(HEATON_DEFAULTS)).toEqual([]);
  });
});

describe('validateConfig', () => {
  test.each([
    [{ batchSize: 0 }, 'Batch size: enter a whole number from 1 to 512 (0 is too small)'],
    [{ batchSize: 513 }, 'Batch size: enter a whole number from 1 to 512 (513 is too large)'],
    [{ batchSize: 2.5 }, 'Batch size: enter a whole number from 1 to 512 (2.5 is not whole)'],
    [{ latentSize: 0 }, 'Latent size: enter a whole number from 1 to 1,024 (0 is too small)'],
    [{ steps: 0 }, 'Steps: enter a whole number from 1 to 10,000,000 (0 is too small)'],
    [{ generatorLearningRate: 0 }, 'Generator learning rate: enter a number from 1e-7 to 1 (0 is too small)'],
    [{ discriminatorLearningRate: 5 }, 'Discriminator learning rate: enter a number from 1e-7 to 1 (5 is too large)'],
    [{ generatorBeta1: 1 }, 'Generator beta1: enter a number from 0 to 0.999 (1 is too large)'],
    [{ discriminatorBeta1: -0.1 }, 'Discriminator beta1: enter a number from 0 to 0.999 (-0.1 is too small)'],
    [{ dropout: 0.95 }, 'Dropout: enter a number from 0 to 0.9 (0.95 is too large)'],
    [{ batchNormMomentum: 1 }, 'Batch-norm momentum: enter a number from 0 to 0.999 (1 is too large)'],
    [{ leakySlope: 2 }, 'LeakyReLU slope: enter a number from 0 to 1 (2 is too large)'],
    [{ labelSmoothing: 0.6 }, 'Label smoothing: enter a number from 0 to 0.5 (0.6 is too large)'],
    [{ previewEvery: 0 }, 'Preview interval: enter a whole number from 1 to 100,000 (0 is too small)'],
    [{ gridRows: 0 }, 'Grid rows: enter a whole number from 1 to 16 (0 is too small)'],
    [{ gridCols: 17 }, 'Grid columns: enter a whole number from 1 to 16 (17 is too large)'],
    [{ gridMargin: -1 }, 'Grid margin: enter a whole number from 0 to 64 (-1 is too small)'],
    [{ width: 0 }, 'Width multiplier: enter a number from 0.015625 to 4 (0 is too small)'],
    [{ seed: -1 }, 'Seed: enter a whole number from 0 to 2,147,483,647 (-1 is too small)'],
    [{ batchSize: Number.NaN }, 'Batch size: enter a whole number from 1 to 512'],
    [{ batchSize: '32' }, 'Batch size: enter a whole number from 1 to 512'],
    [{ architecture: 'stylegan' }, 'Architecture: choose heaton or dcgan'],
    [{ resolution: 48 }, 'Resolution: heaton trains at 16, 32, 64, 96, 128 px; choose one of them'],
    [{ architecture: 'dcgan', resolution: 96 }, 'Resolution: dcgan trains at 16, 32, 64 px; choose one of them'],
    [{ channels: 2 }, 'Colour: choose grayscale or RGB'],
    [{ flip: 'yes' }, 'Flip: choose on or off'],
  ])('rejects %o', (overrides, sentence) => {
    expect(validateConfig(withField(overrides)).map((problem) => problem.message)).toEqual([sentence]);
  });

  test('names the field of each problem, so the panel files it without reading the sentence', () => {
    expect(validateConfig(withField({ steps: Number.NaN, flip: 'yes' }))).toEqual([
      { field: 'steps', message: 'Steps: enter a whole number from 1 to 10,000,000' },
      { field: 'flip', message: 'Flip: choose on or off' },
    ]);
  });

  test('reports every problem at once', () => {
    expect(validateConfig(withField({ batchSize: 0, dropout: 1, channels: 4 }))).toHaveLength(3);
  });

  test('accepts the edges of each range', () => {
    expect(validateConfig(withField({ batchSize: 1, dropout: 0, labelSmoothing: 0.5, gridMargin: 0 }))).toEqual([]);
    expect(validateConfig(withField({ batchSize: 512, architecture: 'dcgan', resolution: 16, channels: 1 }))).toEqual([]);
  });
});

describe('gridSize', () => {
  test("follows Heaton's layout: 576×336 at 64 px, 800×464 at 96, 1024×592 at 128", () => {
    expect(gridSize({ ...HEATON_DEFAULTS, resolution: 64 })).toEqual({ width: 576, height: 336 });
    expect(gridSize({ ...HEATON_DEFAULTS, resolution: 96 })).toEqual({ width: 800, height: 464 });
    expect(gridSize({ ...HEATON_DEFAULTS, resolution: 128 })).toEqual({ width: 1024, height: 592 });
  });
});
