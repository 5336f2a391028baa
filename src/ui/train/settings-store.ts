/**
 * Settings that survive a reload and travel in a link: the preset and, for Custom, every
 * setting that differs from Heaton's, in the page's query string (`?preset=custom&resolution=32`)
 * and in localStorage. A link wins over what this browser remembers; a value that does not
 * validate is dropped in favour of the default, never trained on.
 */
import { HEATON_DEFAULTS, validateConfig, type TrainConfig } from '../../protocol/config.ts';
import { isPreset, type Preset } from '../../protocol/presets.ts';

const STORAGE_KEY = 'ganvas.settings';
/** Query parameters that are not settings (the backend choice has its own). */
const OTHER_PARAMS = new Set(['backend', 'cores', 'preset']);

export interface SavedSettings {
  preset: Preset;
  /** Only for Custom; the other presets derive their settings. */
  config: TrainConfig | null;
}

/** The query parameters for these settings, keeping any others already in `current`. */
export function settingsToQuery(settings: SavedSettings, current = new URLSearchParams()): URLSearchParams {
  const query = new URLSearchParams();
  for (const [key, value] of current) if (OTHER_PARAMS.has(key) && key !== 'preset') query.set(key, value);
  query.set('preset', settings.preset);
  if (settings.preset === 'custom' && settings.config) {
    for (const key of Object.keys(HEATON_DEFAULTS) as (keyof TrainConfig)[]) {
      const value = settings.config[key];
      if (value !== HEATON_DEFAULTS[key]) query.set(key, String(value));
    }
  }
  return query;
}

/** Settings from a query string; null when it names none (or names them wrongly). */
export function settingsFromQuery(query: URLSearchParams): SavedSettings | null {
  const preset = query.get('preset');
  if (!isPreset(preset)) return null;
  if (preset !== 'custom') return { preset, config: null };
  const config: Record<string, unknown> = { ...HEATON_DEFAULTS };
  for (const [key, text] of query) {
    if (OTHER_PARAMS.has(key) || !(key in HEATON_DEFAULTS)) continue;
    const base = HEATON_DEFAULTS[key as keyof TrainConfig];
    config[key] = typeof base === 'number' ? Number(text) : typeof base === 'boolean' ? text === 'true' : text;
  }
  return validConfig(config) ? { preset, config } : null;
}

function validConfig(value: unknown): value is TrainConfig {
  return typeof value === 'object' && value !== null && validateConfig({ ...HEATON_DEFAULTS, ...value } as TrainConfig).length === 0;
}

/** What this browser remembers, or null. */
export function readStoredSettings(storage: Pick<Storage, 'getItem'> | null): SavedSettings | null {
  try {
    const parsed = JSON.parse(storage?.getItem(STORAGE_KEY) ?? 'null') as { preset?: unknown; config?: unknown } | null;
    if (!parsed || !isPreset(parsed.preset)) return null;
    if (parsed.preset !== 'custom') return { preset: parsed.preset, config: null };
    return validConfig(parsed.config) ? { preset: 'custom', config: { ...HEATON_DEFAULTS, ...parsed.config } } : null;
  } catch {
    return null;
  }
}

export function writeStoredSettings(storage: Pick<Storage, 'setItem'> | null, settings: SavedSettings): void {
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify(settings));
  } catch {
    // Storage full or refused: the settings still live in the URL.
  }
}

/** The settings to open with: the link's, else this browser's, else Quick look. */
export function initialSettings(query: URLSearchParams, storage: Pick<Storage, 'getItem'> | null): SavedSettings {
  return settingsFromQuery(query) ?? readStoredSettings(storage) ?? { preset: 'quick', config: null };
}
