/**
 * Sizes in the words users read: one formatter for every message and label that shows bytes,
 * on the page and in the worker (so a limit in an error and a size in a panel read alike).
 */

const UNITS = ['KB', 'MB', 'GB', 'TB'] as const;
const NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const WHOLE = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * "0 bytes", "1 byte", "512 bytes", "1.5 KB", "12 MB", "2.3 GB": binary units (1 KB = 1,024
 * bytes, as file managers on Windows count), one decimal below 10 and none from 10 up, so a
 * figure never looks more precise than it is. A value that rounds up to 1,024 of a unit is shown
 * in the next (1,048,575 bytes is "1 MB", not "1,024 KB").
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return bytes === 1 ? '1 byte' : `${WHOLE.format(bytes)} bytes`;
  let value = bytes / 1024;
  let unit = 0;
  while (unit < UNITS.length - 1 && rounded(value) >= 1024) {
    value /= 1024;
    unit++;
  }
  return `${(value < 10 ? NUMBER : WHOLE).format(value)} ${UNITS[unit]}`;
}

/** `value` as formatBytes will show it. */
function rounded(value: number): number {
  return value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
}
