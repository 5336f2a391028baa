import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { facesFromLatents, toRgbaImage } from '../../../src/gan/generate.ts';
import { imagesToBytes } from '../../../src/gan/grid.ts';
import { createGan, disposeGan, type Gan } from '../../../src/gan/train-step.ts';
import { HEATON_DEFAULTS, type TrainConfig } from '../../../src/protocol/config.ts';
import { latentForSeed } from '../../../src/protocol/latent.ts';
import { useCpuBackend } from '../backends.ts';

const TINY: TrainConfig = { ...HEATON_DEFAULTS, resolution: 16, width: 1 / 16, latentSize: 8 };
const FACE_BYTES = 16 * 16 * 3;

let gan: Gan;
beforeAll(async () => {
  await useCpuBackend();
  gan = createGan(TINY);
});
afterAll(() => disposeGan(gan));

const latents = (seeds: number[]) => seeds.map((seed) => latentForSeed(seed, TINY.latentSize));

describe('facesFromLatents', () => {
  test('gives one S·S·C byte face per latent, identical for the same seed and different for others', async () => {
    const { side, channels, faces } = await facesFromLatents(gan.generator, latents([42, 7, 42]));
    expect([side, channels, faces.length]).toEqual([16, 3, 3]);
    faces.forEach((face) => expect(face.length).toBe(FACE_BYTES));
    expect(faces[2]).toEqual(faces[0]);
    expect(faces[1]).not.toEqual(faces[0]);
    const again = await facesFromLatents(gan.generator, latents([42]));
    expect(again.faces[0]).toEqual(faces[0]);
  });

  test("maps pixels exactly as the training grid does: predict (inference mode), then imagesToBytes", async () => {
    const seeds = [1, 2, 3];
    const expected = tf.tidy(() => imagesToBytes(gan.generator.predict(tf.tensor2d(latents(seeds).flatMap((l) => [...l]), [3, 8])) as tf.Tensor4D));
    const expectedBytes = Array.from(await expected.data());
    expected.dispose();
    const { faces } = await facesFromLatents(gan.generator, latents(seeds));
    expect(faces.flatMap((face) => Array.from(face))).toEqual(expectedBytes);
  });

  test('chunked predicts give the same faces as one batch', async () => {
    const seeds = [10, 11, 12, 13, 14, 15, 16];
    const whole = await facesFromLatents(gan.generator, latents(seeds));
    const chunked = await facesFromLatents(gan.generator, latents(seeds), 3);
    expect(chunked.faces).toEqual(whole.faces);
  });

  test('no latents, no faces; a latent of the wrong length is refused', async () => {
    expect((await facesFromLatents(gan.generator, [])).faces).toEqual([]);
    await expect(facesFromLatents(gan.generator, [new Float32Array(5)])).rejects.toThrow(/latents of length 8, got 5/);
  });

  test('leaves no tensors behind', async () => {
    await facesFromLatents(gan.generator, latents([1]));
    const before = tf.memory().numTensors;
    await facesFromLatents(gan.generator, latents([1, 2, 3, 4, 5]), 2);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('toRgbaImage', () => {
  test('copies RGB and makes alpha opaque', () => {
    const image = toRgbaImage(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), 2, 3);
    expect([image.width, image.height]).toEqual([2, 2]);
    expect(Array.from(new Uint8Array(image.pixels))).toEqual([1, 2, 3, 255, 4, 5, 6, 255, 7, 8, 9, 255, 10, 11, 12, 255]);
  });

  test('draws grayscale as gray RGB', () => {
    const image = toRgbaImage(new Uint8Array([0, 128, 200, 255]), 2, 1);
    expect(Array.from(new Uint8Array(image.pixels))).toEqual([0, 0, 0, 255, 128, 128, 128, 255, 200, 200, 200, 255, 255, 255, 255, 255]);
  });

  test('refuses bytes that do not match the shape', () => {
    expect(() => toRgbaImage(new Uint8Array(5), 2, 1)).toThrow(/5 bytes is not 2×2×1/);
  });
});
