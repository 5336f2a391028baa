import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';

// Ganvas reaches past tfjs's public API in a few places, so it is pinned to exactly this version:
// Adam's accBeta1/accBeta2 (src/gan/checkpoint.ts: checkpoints and resume), the WebGL backend's
// gpgpu.gl and the WebGPU backend's device (src/worker/backend.ts: GPU loss), and the wasm
// backend's heap and kernel internals (src/worker/wasm-kernels.ts: the gradients it lacks). A
// tfjs upgrade is a deliberate change: check those, then update TFJS_VERSION and package.json.
const TFJS_VERSION = '4.22.0';

const require = createRequire(import.meta.url);
const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };

/** What the app installs itself, and the packages they bring that the code above touches. */
const PINNED = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu'];
const BROUGHT = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-webgl', '@tensorflow/tfjs-layers'];

describe(`tfjs is pinned to ${TFJS_VERSION}`, () => {
  test.each(PINNED)('package.json asks for exactly %s@' + TFJS_VERSION, (name) => {
    expect(packageJson.dependencies[name]).toBe(TFJS_VERSION);
  });

  test.each([...PINNED, ...BROUGHT])('%s is installed at ' + TFJS_VERSION, (name) => {
    const installed = (require(`${name}/package.json`) as { version: string }).version;
    expect(installed, `${name} ${installed} is installed; Ganvas relies on tfjs ${TFJS_VERSION} internals (see this test's comment)`).toBe(TFJS_VERSION);
  });

  test('the tfjs the code imports reports the same version', () => {
    expect(tf.version).toMatchObject({ tfjs: TFJS_VERSION, 'tfjs-core': TFJS_VERSION, 'tfjs-layers': TFJS_VERSION });
  });
});
