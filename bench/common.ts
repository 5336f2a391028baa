/** Small helpers shared by the benchmark scripts. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type ViteDevServer } from 'vite';
import { freePort } from '../tests/e2e/net.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The value after `--name` on the command line, or null. */
export function argValue(name: string): string | null {
  const index = process.argv.indexOf(name);
  return index >= 0 ? (process.argv[index + 1] ?? null) : null;
}

/** The CPU's model name, for the header of a benchmark table. */
export function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    return line?.split(':')[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
}

/**
 * Starts the app's Vite dev server on a free port for a benchmark page. No HMR and no file
 * watching: other edits to the repo must not reload the page mid-run.
 */
export async function startBenchServer(): Promise<{ server: ViteDevServer; origin: string }> {
  const port = await freePort();
  const server = await createServer({
    configFile: path.join(ROOT, 'vite.config.ts'),
    root: ROOT,
    logLevel: 'warn',
    server: { host: '127.0.0.1', port, strictPort: true, hmr: false, watch: null },
  });
  await server.listen();
  return { server, origin: `http://127.0.0.1:${port}` };
}
