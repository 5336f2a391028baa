import { describe, expect, test } from 'vitest';
import { HEATON_DEFAULTS } from '../../../../src/protocol/config.ts';
import { initialSettings, readStoredSettings, settingsFromQuery, settingsToQuery, writeStoredSettings } from '../../../../src/ui/train/settings-store.ts';

function memoryStorage() {
  const items = new Map<string, string>();
  return { getItem: (key: string) => items.get(key) ?? null, setItem: (key: string, value: string) => void items.set(key, value) };
}

describe('settings in the URL and in storage', () => {
  test('a custom config travels as its differences from Heaton and comes back whole', () => {
    const config = { ...HEATON_DEFAULTS, architecture: 'dcgan' as const, resolution: 32 as const, width: 0.5, flip: false };
    const query = settingsToQuery({ preset: 'custom', config }, new URLSearchParams('backend=wasm&junk=1'));
    expect(query.toString()).toBe('backend=wasm&preset=custom&architecture=dcgan&resolution=32&width=0.5&flip=false');
    expect(settingsFromQuery(query)).toEqual({ preset: 'custom', config });
  });

  test('presets other than Custom carry no settings; bad or missing values fall back', () => {
    expect(settingsToQuery({ preset: 'quick', config: null }).toString()).toBe('preset=quick');
    expect(settingsFromQuery(new URLSearchParams('preset=heaton&steps=5'))).toEqual({ preset: 'heaton', config: null });
    expect(settingsFromQuery(new URLSearchParams('preset=custom&batchSize=0'))).toBeNull();
    expect(settingsFromQuery(new URLSearchParams('preset=fast'))).toBeNull();
    expect(settingsFromQuery(new URLSearchParams(''))).toBeNull();
  });

  test('storage round trip; a link wins over storage; Quick look when neither says', () => {
    const storage = memoryStorage();
    const config = { ...HEATON_DEFAULTS, steps: 77 };
    writeStoredSettings(storage, { preset: 'custom', config });
    expect(readStoredSettings(storage)).toEqual({ preset: 'custom', config });
    expect(initialSettings(new URLSearchParams(''), storage)).toEqual({ preset: 'custom', config });
    expect(initialSettings(new URLSearchParams('preset=heaton'), storage)).toEqual({ preset: 'heaton', config: null });
    expect(initialSettings(new URLSearchParams(''), null)).toEqual({ preset: 'quick', config: null });
    storage.setItem('ganvas.settings', '{not json');
    expect(readStoredSettings(storage)).toBeNull();
  });
});
