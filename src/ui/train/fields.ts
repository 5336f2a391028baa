/**
 * How the hyperparameter panel presents each TrainConfig field: label, control, unit, hint
 * and group. Plain data plus small pure helpers, so the mapping is unit-tested without a DOM.
 */
import {
  ARCHITECTURE_LABELS,
  ARCHITECTURES,
  CHANNEL_CHOICES,
  HEATON_DEFAULTS,
  NUMERIC_RULES,
  RESOLUTIONS,
  SUPPORTED_RESOLUTIONS,
  LIVE_SETTINGS,
  type Architecture,
  type ConfigProblem,
  type LiveSetting,
  type LiveSettings,
  type Resolution,
  type TrainConfig,
} from '../../protocol/config.ts';

export type FieldKey = keyof TrainConfig;

/** Numeric fields with a free range (NUMERIC_RULES); resolution and channels are menus. */
export type RangeField = keyof typeof NUMERIC_RULES;
export type SelectField = 'architecture' | 'resolution' | 'channels';

export const FIELD_GROUPS = ['Model', 'Data', 'Optimisers', 'Preview', 'Run'] as const;
export type FieldGroup = (typeof FIELD_GROUPS)[number];

/**
 * - `slider`: linear range input.
 * - `log-slider`: a range input over the *index* of `values`, a readable ladder spaced evenly
 *   in log space (1e-4, 1.5e-4, 2e-4, …), so each notch is a similar relative change and
 *   Heaton's 1.5e-4 is exactly reachable.
 * - `number`: free text entry for values where every integer matters (seed, steps).
 */
export type FieldControl =
  | { kind: 'slider'; min: number; max: number; step: number }
  | { kind: 'log-slider'; values: readonly number[] }
  | { kind: 'number'; min: number; max: number; step: number }
  | { kind: 'select' }
  | { kind: 'checkbox' };

export interface FieldMeta {
  label: string;
  group: FieldGroup;
  control: FieldControl;
  /** Shown after the value ("px", "images", "steps", "×"); empty when the value has no unit. */
  unit: string;
  /** One line: what the field does, in the user's terms. */
  hint: string;
}

/** Fields the worker accepts while a run exists (they apply from the next step): protocol's one list. */
export const LIVE_FIELDS = LIVE_SETTINGS satisfies readonly FieldKey[];
export type LiveField = LiveSetting;

/** Whether `key` may change while a run exists. */
export function isLiveField(key: FieldKey): key is LiveField {
  return (LIVE_FIELDS as readonly FieldKey[]).includes(key);
}

/** Whether `key` is a free-range numeric field (slider or number input). */
export function isRangeField(key: FieldKey): key is RangeField {
  return Object.hasOwn(NUMERIC_RULES, key);
}

/** Whether `key` is chosen from a menu. */
export function isSelectField(key: FieldKey): key is SelectField {
  return key === 'architecture' || key === 'resolution' || key === 'channels';
}

/**
 * Every `mantissa · 10^e` within [min, max], ascending. Rounded to 12 significant digits so
 * 1.5 · 10^-4 is stored as 0.00015 rather than 0.00015000000000000001.
 */
export function logLadder(min: number, max: number, mantissas: readonly number[] = [1, 1.5, 2, 3, 5, 7]): number[] {
  const values: number[] = [];
  for (let exponent = Math.floor(Math.log10(min)); exponent <= Math.ceil(Math.log10(max)); exponent++) {
    for (const mantissa of mantissas) {
      const value = Number((mantissa * 10 ** exponent).toPrecision(12));
      if (value >= min && value <= max) values.push(value);
    }
  }
  return values;
}

/**
 * The slider position (index into `values`) nearest to `value` in log space; positions at the
 * ends for values outside the ladder (or ≤ 0).
 */
export function valueToSliderPosition(values: readonly number[], value: number): number {
  if (!(value > 0) || values.length === 0) return 0;
  const target = Math.log(value);
  let best = 0;
  let bestDistance = Infinity;
  values.forEach((candidate, index) => {
    const distance = Math.abs(Math.log(candidate) - target);
    if (distance < bestDistance) {
      best = index;
      bestDistance = distance;
    }
  });
  return best;
}

/** The ladder value at a slider position (rounded and clamped, as a range input may report). */
export function sliderPositionToValue(values: readonly number[], position: number): number {
  const index = Math.min(values.length - 1, Math.max(0, Math.round(position)));
  const value = values[index];
  if (value === undefined) throw new Error('A log slider needs at least one value');
  return value;
}

const LEARNING_RATES = logLadder(1e-6, 0.1);

/** Presentation of every TrainConfig field; a Record so a new config field fails to compile until described here. */
export const FIELDS: Readonly<Record<FieldKey, FieldMeta>> = {
  architecture: {
    label: 'Architecture',
    group: 'Model',
    control: { kind: 'select' },
    unit: '',
    hint: 'Which generator and discriminator to build; DCGAN goes up to 64 px.',
  },
  width: {
    label: 'Width multiplier',
    group: 'Model',
    control: { kind: 'log-slider', values: [0.0625, 0.125, 0.25, 0.375, 0.5, 0.75, 1, 1.5, 2, 3, 4] },
    unit: '×',
    hint: 'Scales every filter count; below 1 trains faster, above 1 learns more detail.',
  },
  latentSize: {
    label: 'Latent size',
    group: 'Model',
    control: { kind: 'log-slider', values: [2, 4, 8, 16, 32, 50, 64, 100, 128, 200, 256, 512, 1024] },
    unit: 'numbers',
    hint: 'Length of the random vector the generator turns into a face.',
  },
  dropout: {
    label: 'Dropout',
    group: 'Model',
    control: { kind: 'slider', min: 0, max: 0.9, step: 0.05 },
    unit: '',
    hint: "Share of the discriminator's activations dropped while training (Heaton only).",
  },
  batchNormMomentum: {
    label: 'Batch-norm momentum',
    group: 'Model',
    control: { kind: 'slider', min: 0, max: 0.99, step: 0.01 },
    unit: '',
    hint: 'How slowly batch normalisation forgets its running mean and variance.',
  },
  leakySlope: {
    label: 'LeakyReLU slope',
    group: 'Model',
    control: { kind: 'slider', min: 0, max: 1, step: 0.05 },
    unit: '',
    hint: "Slope of the discriminator's activation below zero.",
  },
  resolution: {
    label: 'Image size',
    group: 'Data',
    control: { kind: 'select' },
    unit: 'px',
    hint: 'Side of the square images the GAN learns to draw.',
  },
  channels: {
    label: 'Colour',
    group: 'Data',
    control: { kind: 'select' },
    unit: '',
    hint: 'RGB, or grayscale for a third of the work.',
  },
  batchSize: {
    label: 'Batch size',
    group: 'Data',
    control: { kind: 'log-slider', values: [1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512] },
    unit: 'images',
    hint: 'How many images D and G see per step.',
  },
  flip: {
    label: 'Mirror images',
    group: 'Data',
    control: { kind: 'checkbox' },
    unit: '',
    hint: 'Randomly flip real images left–right, doubling the variety of a small set.',
  },
  generatorLearningRate: {
    label: 'Generator learning rate',
    group: 'Optimisers',
    control: { kind: 'log-slider', values: LEARNING_RATES },
    unit: '',
    hint: "Size of the generator's Adam steps; too high and faces collapse into one.",
  },
  generatorBeta1: {
    label: 'Generator β₁',
    group: 'Optimisers',
    control: { kind: 'slider', min: 0, max: 0.99, step: 0.01 },
    unit: '',
    hint: "Adam's momentum for the generator; GANs train best around 0.5.",
  },
  discriminatorLearningRate: {
    label: 'Discriminator learning rate',
    group: 'Optimisers',
    control: { kind: 'log-slider', values: LEARNING_RATES },
    unit: '',
    hint: "Size of the discriminator's Adam steps; lower it if D wins too easily.",
  },
  discriminatorBeta1: {
    label: 'Discriminator β₁',
    group: 'Optimisers',
    control: { kind: 'slider', min: 0, max: 0.99, step: 0.01 },
    unit: '',
    hint: "Adam's momentum for the discriminator.",
  },
  labelSmoothing: {
    label: 'Label smoothing',
    group: 'Optimisers',
    control: { kind: 'slider', min: 0, max: 0.5, step: 0.01 },
    unit: '',
    hint: 'Real images are labelled 1 − this value, so D is never fully sure; 0 turns it off.',
  },
  previewEvery: {
    label: 'Preview every',
    group: 'Preview',
    control: { kind: 'log-slider', values: logLadder(1, 100_000, [1, 2, 5]) },
    unit: 'steps',
    hint: 'How often the fixed-seed grid is redrawn; more often costs a little speed.',
  },
  qualityEvery: {
    label: 'Measure quality every',
    group: 'Preview',
    control: { kind: 'log-slider', values: [0, ...logLadder(10, 10_000, [1, 2, 5])] },
    unit: 'steps',
    hint: 'Sliced Wasserstein distance to real images the run never trains on (a tenth of the set, at most 256; needs 100+ images). 0 turns it off and trains on every image, as Heaton does.',
  },
  gridRows: {
    label: 'Grid rows',
    group: 'Preview',
    control: { kind: 'slider', min: 1, max: 16, step: 1 },
    unit: '',
    hint: 'Rows of faces in the preview grid.',
  },
  gridCols: {
    label: 'Grid columns',
    group: 'Preview',
    control: { kind: 'slider', min: 1, max: 16, step: 1 },
    unit: '',
    hint: 'Columns of faces in the preview grid.',
  },
  gridMargin: {
    label: 'Grid margin',
    group: 'Preview',
    control: { kind: 'slider', min: 0, max: 64, step: 1 },
    unit: 'px',
    hint: 'White space around and between the faces.',
  },
  steps: {
    label: 'Steps',
    group: 'Run',
    control: { kind: 'number', min: NUMERIC_RULES.steps.min, max: NUMERIC_RULES.steps.max, step: 1 },
    unit: 'steps',
    hint: 'Length of the run; each step updates D on real and fake images, then G.',
  },
  seed: {
    label: 'Seed',
    group: 'Run',
    control: { kind: 'number', min: NUMERIC_RULES.seed.min, max: NUMERIC_RULES.seed.max, step: 1 },
    unit: '',
    hint: 'Same seed, same data, same backend: the same run, weights and preview faces.',
  },
};

/** Field keys per group, in display order. */
export function fieldsByGroup(): { group: FieldGroup; keys: FieldKey[] }[] {
  const keys = Object.keys(FIELDS) as FieldKey[];
  return FIELD_GROUPS.map((group) => ({ group, keys: keys.filter((key) => FIELDS[key].group === group) }));
}

export interface SelectOption {
  value: string;
  label: string;
}

/**
 * Menu entries for a select field. Resolution choices depend on the architecture; a current
 * value the menu would not offer is still listed (marked) so the select shows the truth and
 * the validation message beside it makes sense.
 */
export function selectOptions(key: SelectField, config: TrainConfig): SelectOption[] {
  switch (key) {
    case 'architecture':
      return ARCHITECTURES.map((value) => ({ value, label: ARCHITECTURE_LABELS[value] }));
    case 'resolution': {
      const supported = SUPPORTED_RESOLUTIONS[config.architecture] ?? [];
      const options = supported.map((value) => ({ value: String(value), label: `${value} × ${value}` }));
      if (!supported.includes(config.resolution)) {
        options.push({ value: String(config.resolution), label: `${config.resolution} × ${config.resolution} (not supported)` });
      }
      return options;
    }
    case 'channels':
      return CHANNEL_CHOICES.map((value) => ({ value: String(value), label: value === 3 ? 'RGB' : 'Grayscale' }));
  }
}

/** The supported resolution closest to `resolution` (ties go to the larger). */
function nearestSupported(architecture: Architecture, resolution: number): Resolution {
  const supported = SUPPORTED_RESOLUTIONS[architecture];
  let best: Resolution = supported[supported.length - 1] ?? HEATON_DEFAULTS.resolution;
  for (const candidate of supported) {
    if (Math.abs(candidate - resolution) <= Math.abs(best - resolution)) best = candidate;
  }
  return best;
}

/**
 * Applies a menu choice. Switching architecture moves an unsupported resolution to the nearest
 * supported one, so picking DCGAN at 128 px gives 64 px rather than an invalid config.
 * Unknown values (a tampered DOM) leave the config unchanged.
 */
export function applySelect(config: TrainConfig, key: SelectField, raw: string): TrainConfig {
  switch (key) {
    case 'architecture': {
      const architecture = ARCHITECTURES.find((value) => value === raw);
      if (!architecture) return config;
      const resolution = SUPPORTED_RESOLUTIONS[architecture].includes(config.resolution)
        ? config.resolution
        : nearestSupported(architecture, config.resolution);
      return { ...config, architecture, resolution };
    }
    case 'resolution': {
      const resolution = RESOLUTIONS.find((value) => String(value) === raw);
      return resolution === undefined ? config : { ...config, resolution };
    }
    case 'channels': {
      const channels = CHANNEL_CHOICES.find((value) => String(value) === raw);
      return channels === undefined ? config : { ...config, channels };
    }
  }
}

/** Sets one free-range numeric field. NaN is kept on purpose: validateConfig then names the field. */
export function applyNumber(config: TrainConfig, key: RangeField, value: number): TrainConfig {
  return { ...config, [key]: value };
}

/** The config with every live field back at Heaton's value and the rest untouched. */
export function resetLiveFields(config: TrainConfig): TrainConfig {
  const next = { ...config };
  for (const key of LIVE_FIELDS) next[key] = HEATON_DEFAULTS[key];
  return next;
}

/** A value as the panel prints it: learning rates in e-notation, integers with separators. */
export function formatFieldValue<K extends FieldKey>(key: K, config: Pick<TrainConfig, K>): string {
  const value: TrainConfig[FieldKey] = config[key];
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return '—';
  if (key === 'generatorLearningRate' || key === 'discriminatorLearningRate') {
    // 1.5e-4 reads better than 0.00015; four significant digits are more than a slider sets.
    return value >= 0.01 ? String(value) : Number(value.toPrecision(4)).toExponential();
  }
  if (key === 'channels') return value === 3 ? 'RGB' : 'grayscale';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return String(Number(value.toPrecision(6)));
}

/**
 * The live settings the worker reports using, as a sentence: "Training now uses generator
 * learning rate 2e-4, discriminator learning rate 1.5e-4, label smoothing 0.1, a grid every
 * 100 steps." Shown while a run exists, so a slider moved mid-run visibly takes effect.
 */
export function describeLiveSettings(live: LiveSettings): string {
  const named = (key: Exclude<LiveSetting, 'previewEvery'>): string => `${FIELDS[key].label.toLowerCase()} ${formatFieldValue(key, live)}`;
  const grids = live.previewEvery === 1 ? 'a grid every step' : `a grid every ${formatFieldValue('previewEvery', live)} steps`;
  return `Training now uses ${named('generatorLearningRate')}, ${named('discriminatorLearningRate')}, ${named('labelSmoothing')}, ${grids}.`;
}

/** Files each validateConfig problem's message under the field it names. */
export function problemsByField(problems: readonly ConfigProblem[]): Map<FieldKey, string[]> {
  const byField = new Map<FieldKey, string[]>();
  for (const { field, message } of problems) byField.set(field, [...(byField.get(field) ?? []), message]);
  return byField;
}

/** "64 px", "32 images", but "1.5×": a multiplier sign sits against its number. */
export function withUnit(text: string, unit: string): string {
  if (!unit) return text;
  return unit === '×' ? `${text}${unit}` : `${text} ${unit}`;
}
