#!/usr/bin/env node
// Makes sure Debian's Chromium is present for the end-to-end tests. Playwright's own browser
// download is not used: it needs the internet, which CI and many sandboxes don't have.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (existsSync(chromium)) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = existsSync('/usr/bin/apt-get');
if (!isRoot || !hasApt) {
  console.error(
    `Chromium was not found at ${chromium}. Install it (Debian/Ubuntu: sudo apt-get install -y chromium), ` +
      'or point CHROMIUM_PATH at a Chromium or Chrome binary, then run the tests again.',
  );
  process.exit(1);
}
console.log(`Chromium not found at ${chromium}: installing Debian's chromium package…`);
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
