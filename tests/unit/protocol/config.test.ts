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
    [{ batchSize: 0 }, 'batch size must be between 1 and 512, got 0'],
    [{ batchSize: 513 }, 'batch size must be between 1 and 512, got 513'],
    [{ batchSize: 2.5 }, 'batch size must be a whole number, got 2.5'],
    [{ latentSize: 0 }, 'latent size must be between 1 and 1,024, got 0'],
    [{ steps: 0 }, 'steps must be between 1 and 10,000,000, got 0'],
    [{ generatorLearningRate: 0 }, 'generator learning rate must be between 1e-7 and 1, got 0'],
    [{ discriminatorLearningRate: 5 }, 'discriminator learning rate must be between 1e-7 and 1, got 5'],
    [{ generatorBeta1: 1 }, 'generator beta1 must be between 0 and 0.999, got 1'],
    [{ discriminatorBeta1: -0.1 }, 'discriminator beta1 must be between 0 and 0.999, got -0.1'],
    [{ dropout: 0.95 }, 'dropout must be between 0 and 0.9, got 0.95'],
    [{ batchNormMomentum: 1 }, 'batch-norm momentum must be between 0 and 0.999, got 1'],
    [{ leakySlope: 2 }, 'LeakyReLU slope must be between 0 and 1, got 2'],
    [{ labelSmoothing: 0.6 }, 'label smoothing must be between 0 and 0.5, got 0.6'],
    [{ previewEvery: 0 }, 'preview interval must be between 1 and 100,000, got 0'],
    [{ gridRows: 0 }, 'grid rows must be between 1 and 16, got 0'],
    [{ gridCols: 17 }, 'grid columns must be between 1 and 16, got 17'],
    [{ gridMargin: -1 }, 'grid margin must be between 0 and 64, got -1'],
    [{ width: 0 }, 'width multiplier must be between 0.015625 and 4, got 0'],
    [{ seed: -1 }, 'seed must be between 0 and 2,147,483,647, got -1'],
    [{ batchSize: Number.NaN }, 'batch size must be a number, got NaN'],
    [{ batchSize: '32' }, 'batch size must be a number, got 32'],
    [{ architecture: 'stylegan' }, 'architecture must be one of heaton, dcgan, got stylegan'],
    [{ resolution: 48 }, 'resolution for heaton must be one of 16, 32, 64, 96, 128 px, got 48'],
    [{ architecture: 'dcgan', resolution: 96 }, 'resolution for dcgan must be one of 16, 32, 64 px, got 96'],
    [{ channels: 2 }, 'channels must be 1 (grayscale) or 3 (RGB), got 2'],
    [{ flip: 'yes' }, 'flip must be true or false, got yes'],
  ])('rejects %o', (overrides, sentence) => {
    expect(validateConfig(withField(overrides))).toEqual([sentence]);
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
