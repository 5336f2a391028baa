/**
 * Faces from latent vectors, as bytes: the Generate view's use of a generator. Inference mode
 * (`predict`), so BatchNorm uses its moving statistics, as Heaton's `generator.predict` does.
 */
import * as tf from '@tensorflow/tfjs';
import type { RgbaImage } from '../protocol/messages.ts';
import { imagesToBytes } from './grid.ts';

/** Latents per predict call: big enough to keep the backend busy, small enough for any GPU. */
export const FACE_CHUNK = 64;

/** Generated faces as the training grid's bytes. */
export interface FaceBytes {
  /** Side S of each square face, in pixels. */
  side: number;
  /** 1 (grayscale) or 3 (RGB). */
  channels: number;
  /** One S·S·C byte array per latent, in the latents' order (rows, columns, channels). */
  faces: Uint8Array[];
}

/**
 * Runs `generator` on `latents` and reads the faces back as bytes, mapped from [-1, 1] exactly
 * as the training grid maps them (imagesToBytes). Every predict happens before the first await,
 * so the model is only touched synchronously: replacing it while the read-back is pending is safe.
 * @param latents each of the generator's latent length.
 */
export async function facesFromLatents(generator: tf.LayersModel, latents: readonly Float32Array[], chunkSize = FACE_CHUNK): Promise<FaceBytes> {
  const latentSize = generator.inputs[0]?.shape[1];
  if (typeof latentSize !== 'number') throw new Error('facesFromLatents: the generator has no fixed latent length');
  const wrong = latents.find((latent) => latent.length !== latentSize);
  if (wrong) throw new Error(`facesFromLatents: the generator takes latents of length ${latentSize}, got ${wrong.length}`);
  const outputShape = generator.outputs[0]?.shape ?? [];
  const side = outputShape[1] ?? 0;
  const channels = outputShape[3] ?? 0;
  if (latents.length === 0) return { side, channels, faces: [] };

  // [chunk, S, S, C] int32 in [0, 255], one tensor per chunk, freed in finally.
  const chunks: tf.Tensor4D[] = [];
  try {
    for (let start = 0; start < latents.length; start += chunkSize) {
      const part = latents.slice(start, start + chunkSize);
      const flat = new Float32Array(part.length * latentSize);
      part.forEach((latent, i) => flat.set(latent, i * latent.length));
      chunks.push(
        tf.tidy(() => {
          const z = tf.tensor2d(flat, [part.length, latentSize]); // [chunk, latent]
          return imagesToBytes(generator.predict(z, { batchSize: part.length }) as tf.Tensor4D);
        }),
      );
    }
    const values = await Promise.all(chunks.map((chunk) => chunk.data()));
    const faceLength = side * side * channels;
    const faces = values.flatMap((chunkValues) =>
      Array.from({ length: chunkValues.length / faceLength }, (_, i) => Uint8Array.from(chunkValues.subarray(i * faceLength, (i + 1) * faceLength))),
    );
    return { side, channels, faces };
  } finally {
    tf.dispose(chunks);
  }
}

/**
 * S×S RGBA pixels for the page from S·S·C bytes: grayscale becomes gray RGB, alpha is opaque,
 * as in the training grid. The result owns a fresh buffer, ready to transfer.
 */
export function toRgbaImage(bytes: Uint8Array, side: number, channels: number): RgbaImage {
  if (channels !== 1 && channels !== 3) throw new Error(`toRgbaImage: channels must be 1 or 3, got ${channels}`);
  if (bytes.length !== side * side * channels) throw new Error(`toRgbaImage: ${bytes.length} bytes is not ${side}×${side}×${channels}`);
  const rgba = new Uint8Array(side * side * 4);
  for (let pixel = 0; pixel < side * side; pixel++) {
    for (let c = 0; c < 3; c++) rgba[pixel * 4 + c] = bytes[pixel * channels + (channels === 1 ? 0 : c)] as number;
    rgba[pixel * 4 + 3] = 255;
  }
  return { width: side, height: side, pixels: rgba.buffer };
}
