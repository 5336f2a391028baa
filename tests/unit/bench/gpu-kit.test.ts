/**
 * The GPU benchmark kit (bench/gpu) really trains on WebGPU: its bundle, run by its own run.sh
 * with Dawn on a software Vulkan driver (SwiftShader, which Debian's chromium ships), must give
 * the same losses as the wasm backend for the same seed. Skipped only where no Vulkan driver is
 * installed, and the skip says so. (Dawn refuses Debian's lavapipe, so SwiftShader it is.)
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { parseBenchConfig, runSteps, type StepLosses } from '../../../bench/gpu/steps.ts';
import { useWasmBackend } from '../backends.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../../..');
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
/** Tiny enough for a software GPU: a 3-step run takes seconds. */
const CONFIGS = ['dcgan:16:0.25', 'heaton:16:0.0625'];
const BATCH = 2;
const STEPS = 3;

/** A Vulkan loader: the system's, or else the one chromium ships beside SwiftShader. */
const systemLoader = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/lib/x86_64-linux-gnu/libvulkan.so.1'].some(existsSync);
const chromiumLoaderDir = path.dirname(SWIFTSHADER_ICD);
const hasVulkan = existsSync(SWIFTSHADER_ICD) && (systemLoader || existsSync(path.join(chromiumLoaderDir, 'libvulkan.so.1')));
if (!hasVulkan) {
  console.warn(`GPU kit test SKIPPED: no software Vulkan driver here (needs ${SWIFTSHADER_ICD} and a libvulkan.so.1, from Debian's chromium).`);
}

/** WebGPU and wasm differ by float rounding (about 1e-6 seen), not by more than this. */
const LOSS_TOLERANCE = 1e-3;

const scratch = mkdtempSync(path.join(os.tmpdir(), 'ganvas-gpu-kit-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// Skipped only off CI: CI installs Debian's Chromium, which brings SwiftShader's Vulkan driver.
describe.skipIf(!hasVulkan && !process.env['CI'])('GPU benchmark kit on SwiftShader Vulkan', () => {
  test(`trains ${STEPS} steps of ${CONFIGS.join(' and ')} with wasm's losses`, async () => {
    const kit = path.join(scratch, 'kit');
    await run('bash', [path.join(ROOT, 'bench/gpu/build-kit.sh'), '--bundle-only', '--out', kit]);

    const env = {
      ...process.env,
      VK_ICD_FILENAMES: SWIFTSHADER_ICD,
      ...(systemLoader ? {} : { LD_LIBRARY_PATH: [chromiumLoaderDir, process.env['LD_LIBRARY_PATH']].filter(Boolean).join(':') }),
    };
    const report = path.join(scratch, 'report.json');
    const { stdout } = await run(
      'bash',
      [path.join(kit, 'run.sh'), '--configs', CONFIGS.join(','), '--batch', String(BATCH), '--warmup', '0', '--steps', String(STEPS), '--no-check', '--torch', 'none', '--json', report],
      { env, timeout: 120_000 },
    );
    expect(stdout).toMatch(/adapter: .*swiftshader/i);
    const kitRun = JSON.parse(readFileSync(report, 'utf8')) as { webgpu: { config: string; losses: StepLosses[]; leakedTensors: number }[] };

    await useWasmBackend();
    for (const [i, spec] of CONFIGS.entries()) {
      const webgpu = kitRun.webgpu[i];
      expect(webgpu?.config).toBe(spec);
      expect(webgpu?.leakedTensors).toBe(0);
      const wasm = await runSteps(parseBenchConfig(spec, BATCH), STEPS);
      expect(wasm.leakedTensors).toBe(0);
      console.log(`${spec} losses (D real, D fake, G) per step, webgpu vs wasm:\n${wasm.losses
        .map((w, step) => {
          const g = webgpu?.losses[step];
          return `  step ${step}: ${[g?.dReal, g?.dFake, g?.g].map((v) => v?.toFixed(6)).join(', ')}  vs  ${[w.dReal, w.dFake, w.g].map((v) => v.toFixed(6)).join(', ')}`;
        })
        .join('\n')}`);
      expect(webgpu?.losses).toHaveLength(STEPS);
      wasm.losses.forEach((expected, step) => {
        const actual = webgpu?.losses[step] ?? { dReal: NaN, dFake: NaN, g: NaN };
        for (const loss of ['dReal', 'dFake', 'g'] as const) {
          expect(Math.abs(actual[loss] - expected[loss]), `${spec} step ${step} ${loss}: webgpu ${actual[loss]}, wasm ${expected[loss]}`).toBeLessThanOrEqual(LOSS_TOLERANCE);
        }
      });
    }
  });
});
