import { describe, expect, test } from 'vitest';
import { HEATON_DEFAULTS, NUMERIC_RULES, SUPPORTED_RESOLUTIONS, validateConfig, type TrainConfig } from '../../../../src/protocol/config.ts';
import {
  applySelect,
  describeLiveSettings,
  FIELD_GROUPS,
  FIELDS,
  fieldsByGroup,
  formatFieldValue,
  isLiveField,
  LIVE_FIELDS,
  logLadder,
  problemsByField,
  resetLiveFields,
  selectOptions,
  sliderPositionToValue,
  valueToSliderPosition,
  withUnit,
  type FieldKey,
} from '../../../../src/ui/train/fields.ts';

const CONFIG_KEYS = Object.keys(HEATON_DEFAULTS).sort() as FieldKey[];

describe('FIELDS', () => {
  test('describes every TrainConfig key, and nothing else', () => {
    expect(Object.keys(FIELDS).sort()).toEqual(CONFIG_KEYS);
  });

  test('every field has a label, a one-line hint and a known group', () => {
    for (const key of CONFIG_KEYS) {
      const meta = FIELDS[key];
      expect(meta.label.length, key).toBeGreaterThan(0);
      expect(meta.hint.length, key).toBeGreaterThan(10);
      expect(meta.hint, key).not.toContain('\n');
      expect(FIELD_GROUPS, key).toContain(meta.group);
    }
  });

  test('groups cover every field once, in group order', () => {
    const groups = fieldsByGroup();
    expect(groups.map((g) => g.group)).toEqual([...FIELD_GROUPS]);
    expect(groups.flatMap((g) => g.keys).sort()).toEqual(CONFIG_KEYS);
  });

  test('slider ranges stay inside the validator\u2019s ranges', () => {
    for (const [key, rule] of Object.entries(NUMERIC_RULES)) {
      const control = FIELDS[key as FieldKey].control;
      const [min, max] =
        control.kind === 'log-slider'
          ? [control.values[0] ?? Number.NaN, control.values.at(-1) ?? Number.NaN]
          : control.kind === 'slider' || control.kind === 'number'
            ? [control.min, control.max]
            : [Number.NaN, Number.NaN];
      expect(min, key).toBeGreaterThanOrEqual(rule.min);
      expect(max, key).toBeLessThanOrEqual(rule.max);
    }
  });

  test('learning rates use a log slider; seed and steps are number inputs; the rest as specified', () => {
    expect(FIELDS.generatorLearningRate.control.kind).toBe('log-slider');
    expect(FIELDS.discriminatorLearningRate.control.kind).toBe('log-slider');
    expect(FIELDS.seed.control.kind).toBe('number');
    expect(FIELDS.steps.control.kind).toBe('number');
    expect(FIELDS.flip.control.kind).toBe('checkbox');
    for (const key of ['architecture', 'resolution', 'channels'] as const) expect(FIELDS[key].control.kind).toBe('select');
    expect(FIELDS.resolution.unit).toBe('px');
    expect(FIELDS.batchSize.unit).toBe('images');
    expect(FIELDS.steps.unit).toBe('steps');
    expect(FIELDS.width.unit).toBe('×');
  });

  test("every Heaton default sits exactly on its slider", () => {
    for (const key of CONFIG_KEYS) {
      const control = FIELDS[key].control;
      if (control.kind !== 'log-slider') continue;
      const value = HEATON_DEFAULTS[key] as number;
      expect(sliderPositionToValue(control.values, valueToSliderPosition(control.values, value)), key).toBe(value);
    }
  });
});

describe('LIVE_FIELDS', () => {
  test('are the learning rates, label smoothing and the preview interval', () => {
    expect([...LIVE_FIELDS].sort()).toEqual(['discriminatorLearningRate', 'generatorLearningRate', 'labelSmoothing', 'previewEvery']);
    expect(isLiveField('generatorLearningRate')).toBe(true);
    expect(isLiveField('batchSize')).toBe(false);
    expect(isLiveField('architecture')).toBe(false);
  });

  test('resetLiveFields restores only the live fields', () => {
    const changed: TrainConfig = { ...HEATON_DEFAULTS, generatorLearningRate: 1e-3, labelSmoothing: 0.1, previewEvery: 7, batchSize: 64, seed: 3 };
    expect(resetLiveFields(changed)).toEqual({ ...HEATON_DEFAULTS, batchSize: 64, seed: 3 });
  });
});

describe('log slider mapping', () => {
  const ladder = logLadder(1e-6, 0.1);

  test('builds a readable, ascending ladder with exact values', () => {
    expect(ladder[0]).toBe(1e-6);
    expect(ladder.at(-1)).toBe(0.1);
    expect(ladder).toContain(1.5e-4);
    expect(ladder).toContain(2e-4);
    expect(ladder).toContain(0.001);
    expect([...ladder].sort((a, b) => a - b)).toEqual(ladder);
    expect(new Set(ladder).size).toBe(ladder.length);
  });

  test('position → value → position round-trips for every position', () => {
    ladder.forEach((_, position) => {
      expect(valueToSliderPosition(ladder, sliderPositionToValue(ladder, position))).toBe(position);
    });
  });

  test('off-ladder values go to the nearest notch in log space, and out-of-range ones to the ends', () => {
    // log-midpoint of 1e-4 and 1.5e-4 is ≈1.22e-4.
    expect(sliderPositionToValue(ladder, valueToSliderPosition(ladder, 1.2e-4))).toBe(1e-4);
    expect(sliderPositionToValue(ladder, valueToSliderPosition(ladder, 1.3e-4))).toBe(1.5e-4);
    expect(valueToSliderPosition(ladder, 1e-9)).toBe(0);
    expect(valueToSliderPosition(ladder, 0)).toBe(0);
    expect(valueToSliderPosition(ladder, Number.NaN)).toBe(0);
    expect(valueToSliderPosition(ladder, 5)).toBe(ladder.length - 1);
  });

  test('positions are rounded and clamped', () => {
    expect(sliderPositionToValue(ladder, -3)).toBe(ladder[0]);
    expect(sliderPositionToValue(ladder, 1e6)).toBe(ladder.at(-1));
    expect(sliderPositionToValue(ladder, 1.4)).toBe(ladder[1]);
  });
});

describe('selects', () => {
  test('resolution choices follow the architecture', () => {
    expect(selectOptions('resolution', { ...HEATON_DEFAULTS, architecture: 'heaton' }).map((o) => Number(o.value))).toEqual([...SUPPORTED_RESOLUTIONS.heaton]);
    expect(selectOptions('resolution', { ...HEATON_DEFAULTS, architecture: 'dcgan' }).map((o) => Number(o.value))).toEqual([...SUPPORTED_RESOLUTIONS.dcgan]);
  });

  test('an unsupported current resolution is still listed, marked', () => {
    const options = selectOptions('resolution', { ...HEATON_DEFAULTS, architecture: 'dcgan', resolution: 128 });
    expect(options.at(-1)).toEqual({ value: '128', label: '128 × 128 (not supported)' });
  });

  test('switching architecture keeps the config valid', () => {
    const next = applySelect({ ...HEATON_DEFAULTS, resolution: 128 }, 'architecture', 'dcgan');
    expect(next.architecture).toBe('dcgan');
    expect(next.resolution).toBe(64);
    expect(validateConfig(next)).toEqual([]);
    expect(applySelect({ ...HEATON_DEFAULTS, resolution: 32 }, 'architecture', 'dcgan').resolution).toBe(32);
  });

  test('parses resolution and channels, and ignores unknown values', () => {
    expect(applySelect(HEATON_DEFAULTS, 'resolution', '96').resolution).toBe(96);
    expect(applySelect(HEATON_DEFAULTS, 'channels', '1').channels).toBe(1);
    expect(applySelect(HEATON_DEFAULTS, 'resolution', '100')).toBe(HEATON_DEFAULTS);
    expect(applySelect(HEATON_DEFAULTS, 'architecture', 'vgg')).toBe(HEATON_DEFAULTS);
  });
});

describe('describeLiveSettings', () => {
  test('says in words which live settings the run uses', () => {
    expect(describeLiveSettings({ generatorLearningRate: 2e-4, discriminatorLearningRate: 1.5e-4, labelSmoothing: 0.1, previewEvery: 100 })).toBe(
      'Training now uses generator learning rate 2e-4, discriminator learning rate 1.5e-4, label smoothing 0.1, a grid every 100 steps.',
    );
    expect(describeLiveSettings({ generatorLearningRate: 0.02, discriminatorLearningRate: 1e-5, labelSmoothing: 0, previewEvery: 1 })).toBe(
      'Training now uses generator learning rate 0.02, discriminator learning rate 1e-5, label smoothing 0, a grid every step.',
    );
  });
});

describe('problemsByField', () => {
  test('files each validation sentence under its field', () => {
    const config = { ...HEATON_DEFAULTS, batchSize: 0, generatorLearningRate: 2, discriminatorLearningRate: Number.NaN, gridRows: 1.5, architecture: 'dcgan', resolution: 128 } as TrainConfig;
    const problems = validateConfig(config);
    const byField = problemsByField(problems);
    expect(byField.get('batchSize')).toEqual(['Batch size: enter a whole number from 1 to 512 (0 is too small)']);
    // Not a number at all: told what to enter, never shown "NaN".
    expect(byField.get('discriminatorLearningRate')).toEqual(['Discriminator learning rate: enter a number from 1e-7 to 1']);
    expect(byField.get('generatorLearningRate')).toHaveLength(1);
    expect(byField.get('discriminatorLearningRate')).toHaveLength(1);
    expect(byField.get('gridRows')).toHaveLength(1);
    expect(byField.get('resolution')).toHaveLength(1);
    expect([...byField.values()].flat()).toHaveLength(problems.length);
  });
});

describe('formatFieldValue', () => {
  test('prints learning rates in e-notation and integers with separators', () => {
    expect(formatFieldValue('generatorLearningRate', HEATON_DEFAULTS)).toBe('1.5e-4');
    expect(formatFieldValue('steps', HEATON_DEFAULTS)).toBe('10,000');
    expect(formatFieldValue('flip', HEATON_DEFAULTS)).toBe('on');
    expect(formatFieldValue('seed', { ...HEATON_DEFAULTS, seed: Number.NaN })).toBe('—');
    expect(withUnit(formatFieldValue('width', HEATON_DEFAULTS), FIELDS.width.unit)).toBe('1×');
    expect(withUnit(formatFieldValue('resolution', HEATON_DEFAULTS), FIELDS.resolution.unit)).toBe('64 px');
  });
});
