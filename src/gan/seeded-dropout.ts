import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from './random.ts';

/**
 * Dropout whose masks are reproducible from the run seed yet differ on every call.
 *
 * tfjs's own Dropout layer either draws from Math.random (not reproducible) or, given a
 * `seed`, draws the *same* mask on every call (so the same units are dropped on every step).
 * This layer derives a fresh seed per call from (run seed, call count). It serialises as a
 * plain Keras `Dropout` (the mask source does not matter at inference), so saved models still
 * load in tfjs and convert to Keras.
 */
export class SeededDropout extends tf.layers.Layer {
  /** Serialised under Keras's name; deliberately not registered, so loading gives tfjs's Dropout. */
  static className = 'Dropout';
  private readonly rate: number;
  private readonly runSeed: number;
  /** How many training-mode calls have drawn a mask; part of the run's random state. */
  maskCount = 0;

  constructor(args: { rate: number; runSeed: number; name?: string }) {
    super(args.name === undefined ? {} : { name: args.name });
    this.rate = args.rate;
    this.runSeed = args.runSeed;
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    if (input === undefined) throw new Error('SeededDropout expects one input tensor');
    if (kwargs['training'] !== true || this.rate <= 0) return input;
    const seed = deriveSeed(this.runSeed, 'dropout', this.maskCount++);
    return tf.dropout(input, this.rate, undefined, seed);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { rate: this.rate, noiseShape: null, seed: null, ...super.getConfig() };
  }
}
