/**
 * The training configuration: one plain-data type, its defaults, and a validator that
 * returns readable sentences. Shared by the page, the worker and the tests; imports nothing.
 */

/** Architectures the model registry knows (see src/gan/architectures.ts). */
export const ARCHITECTURES = ['heaton', 'dcgan'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

/**
 * Image sides in pixels. 32–128 are Heaton's GENERATE_RES 1–4; 16 is a tiny size for tests
 * and slow machines. `dcgan` supports 16, 32 and 64 (see SUPPORTED_RESOLUTIONS).
 */
export const RESOLUTIONS = [16, 32, 64, 96, 128] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export const SUPPORTED_RESOLUTIONS: Record<Architecture, readonly Resolution[]> = {
  heaton: [16, 32, 64, 96, 128],
  dcgan: [16, 32, 64],
};

export const CHANNEL_CHOICES = [1, 3] as const;
export type Channels = (typeof CHANNEL_CHOICES)[number];

export interface TrainConfig {
  architecture: Architecture;
  /** Side of the square images, in pixels. */
  resolution: Resolution;
  /** 3 = RGB, 1 = grayscale. */
  channels: Channels;
  /** Multiplies every filter count (and hidden dense size). 1 = the published widths. */
  width: number;
  /** Length of the generator's input vector (Heaton's SEED_SIZE). */
  latentSize: number;
  batchSize: number;
  /** Training steps; each step is one D-real, one D-fake and one G update. */
  steps: number;
  generatorLearningRate: number;
  generatorBeta1: number;
  discriminatorLearningRate: number;
  discriminatorBeta1: number;
  /** Dropout rate in Heaton's discriminator (the dcgan discriminator has none). */
  dropout: number;
  /** Keras BatchNormalization momentum: moving = momentum·moving + (1 − momentum)·batch. */
  batchNormMomentum: number;
  /** Negative slope of the discriminator's LeakyReLU. */
  leakySlope: number;
  /** One-sided label smoothing: real labels become 1 − this value. 0 = off. */
  labelSmoothing: number;
  /** Randomly mirror each real image left–right when batching. */
  flip: boolean;
  /** Render the fixed-seed preview grid every this many steps (Heaton's SAVE_FREQ). */
  previewEvery: number;
  gridRows: number;
  gridCols: number;
  /** White margin around and between grid tiles, in pixels. */
  gridMargin: number;
  /**
   * Measure sample quality (multi-scale SWD against held-back real images) every this many
   * steps; 0 = off. When on, QUALITY_HELD_BACK images are set aside at the start of the run
   * and never trained on (see heldBackCount).
   */
  qualityEvery: number;
  /** Seeds every random choice: initial weights, batches, noise, dropout and the preview seed. */
  seed: number;
}

/** Heaton's constants (REFERENCE.md, version A/B), plus our additions at neutral values. */
export const HEATON_DEFAULTS: Readonly<TrainConfig> = Object.freeze({
  architecture: 'heaton',
  resolution: 64,
  channels: 3,
  width: 1,
  latentSize: 100,
  batchSize: 32,
  steps: 10_000,
  generatorLearningRate: 1.5e-4,
  generatorBeta1: 0.5,
  discriminatorLearningRate: 1.5e-4,
  discriminatorBeta1: 0.5,
  dropout: 0.25,
  batchNormMomentum: 0.8,
  leakySlope: 0.2,
  labelSmoothing: 0,
  flip: true,
  previewEvery: 100,
  gridRows: 4,
  gridCols: 7,
  gridMargin: 16,
  qualityEvery: 500,
  seed: 42,
});

/**
 * Settings added after the first release, with the value that reproduces how runs saved before
 * them behaved: `qualityEvery` 0, because those runs trained on every image.
 */
const FIELDS_ADDED_LATER: Readonly<Partial<TrainConfig>> = Object.freeze({ qualityEvery: 0 });

/**
 * A config read from a file saved by an earlier version (a checkpoint, a generator's
 * ganvas-run.json): fields it predates get the values its run used; nothing else changes, so
 * validateConfig still judges the rest. Untrusted input in, untrusted output out.
 */
export function upgradeConfig(saved: Record<string, unknown>): TrainConfig {
  const upgraded: Record<string, unknown> = { ...saved };
  for (const [field, value] of Object.entries(FIELDS_ADDED_LATER)) {
    if (!(field in upgraded)) upgraded[field] = value;
  }
  return upgraded as unknown as TrainConfig;
}

/** Below this many images there are too few to set any aside for measuring quality. */
export const QUALITY_MIN_IMAGES = 100;
/** At most this many real images are held back (and as many generated) per quality measurement. */
export const QUALITY_MAX_HELD_BACK = 256;

/**
 * How many of `count` images a run holds back for measuring quality: a tenth, at most
 * QUALITY_MAX_HELD_BACK, and none below QUALITY_MIN_IMAGES or when measuring is off.
 */
export function heldBackCount(count: number, qualityEvery: number): number {
  if (qualityEvery <= 0 || count < QUALITY_MIN_IMAGES) return 0;
  return Math.min(QUALITY_MAX_HELD_BACK, Math.floor(count / 10));
}

/** Numeric fields with their inclusive range and whether they must be whole numbers. */
interface NumericRule {
  label: string;
  min: number;
  max: number;
  integer: boolean;
}

export type NumericField = {
  [K in keyof TrainConfig]: TrainConfig[K] extends number ? K : never;
}[keyof TrainConfig];

export const NUMERIC_RULES: Readonly<Record<Exclude<NumericField, 'resolution' | 'channels'>, NumericRule>> = {
  width: { label: 'width multiplier', min: 1 / 64, max: 4, integer: false },
  latentSize: { label: 'latent size', min: 1, max: 1024, integer: true },
  batchSize: { label: 'batch size', min: 1, max: 512, integer: true },
  steps: { label: 'steps', min: 1, max: 10_000_000, integer: true },
  generatorLearningRate: { label: 'generator learning rate', min: 1e-7, max: 1, integer: false },
  generatorBeta1: { label: 'generator beta1', min: 0, max: 0.999, integer: false },
  discriminatorLearningRate: { label: 'discriminator learning rate', min: 1e-7, max: 1, integer: false },
  discriminatorBeta1: { label: 'discriminator beta1', min: 0, max: 0.999, integer: false },
  dropout: { label: 'dropout', min: 0, max: 0.9, integer: false },
  batchNormMomentum: { label: 'batch-norm momentum', min: 0, max: 0.999, integer: false },
  leakySlope: { label: 'LeakyReLU slope', min: 0, max: 1, integer: false },
  labelSmoothing: { label: 'label smoothing', min: 0, max: 0.5, integer: false },
  previewEvery: { label: 'preview interval', min: 1, max: 100_000, integer: true },
  gridRows: { label: 'grid rows', min: 1, max: 16, integer: true },
  gridCols: { label: 'grid columns', min: 1, max: 16, integer: true },
  gridMargin: { label: 'grid margin', min: 0, max: 64, integer: true },
  qualityEvery: { label: 'quality interval', min: 0, max: 10_000_000, integer: true },
  seed: { label: 'seed', min: 0, max: 2 ** 31 - 1, integer: true },
};

function formatNumber(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString('en-US') : String(value);
}

/** One problem with a setting: which field, and what to do, in the user's words. */
export interface ConfigProblem {
  field: keyof TrainConfig;
  /** E.g. "Batch size: enter a whole number from 1 to 512 (0 is too small)". */
  message: string;
}

function capitalised(label: string): string {
  return label.charAt(0).toUpperCase() + label.slice(1);
}

/** "enter a whole number from 1 to 512", "enter a number from 0 to 0.5". */
function rangeAdvice(rule: NumericRule): string {
  return `enter ${rule.integer ? 'a whole number' : 'a number'} from ${formatNumber(rule.min)} to ${formatNumber(rule.max)}`;
}

/**
 * Checks every field and returns one problem per bad field (empty when valid). Accepts
 * untrusted input (a form, a file): a value that is not a number at all is told what to enter,
 * never shown back as "NaN".
 */
export function validateConfig(config: TrainConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { architecture, resolution, channels } = config;

  if (!ARCHITECTURES.includes(architecture)) {
    problems.push({ field: 'architecture', message: `Architecture: choose ${ARCHITECTURES.join(' or ')}` });
  } else if (!SUPPORTED_RESOLUTIONS[architecture].includes(resolution)) {
    problems.push({ field: 'resolution', message: `Resolution: ${architecture} trains at ${SUPPORTED_RESOLUTIONS[architecture].join(', ')} px; choose one of them` });
  }
  if (!CHANNEL_CHOICES.includes(channels)) {
    problems.push({ field: 'channels', message: 'Colour: choose grayscale or RGB' });
  }
  for (const [field, rule] of Object.entries(NUMERIC_RULES) as [keyof typeof NUMERIC_RULES, NumericRule][]) {
    const value = config[field];
    const label = capitalised(rule.label);
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      problems.push({ field, message: `${label}: ${rangeAdvice(rule)}` });
    } else if (value < rule.min || value > rule.max) {
      problems.push({ field, message: `${label}: ${rangeAdvice(rule)} (${formatNumber(value)} is too ${value < rule.min ? 'small' : 'large'})` });
    } else if (rule.integer && !Number.isInteger(value)) {
      problems.push({ field, message: `${label}: ${rangeAdvice(rule)} (${formatNumber(value)} is not whole)` });
    }
  }
  if (typeof config.flip !== 'boolean') {
    problems.push({ field: 'flip', message: 'Flip: choose on or off' });
  }
  return problems;
}

/** The problems as one sentence each, for a notice ("Invalid settings. Batch size: … ."). */
export function describeProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((problem) => `${problem.message}.`).join(' ');
}

/**
 * The settings that may change while a run exists (they apply from the next step). The one list:
 * the LiveSettings type, the panel's live/locked fields and the comparison all derive from it.
 */
export const LIVE_SETTINGS = ['generatorLearningRate', 'discriminatorLearningRate', 'labelSmoothing', 'previewEvery'] as const satisfies readonly (keyof TrainConfig)[];
export type LiveSetting = (typeof LIVE_SETTINGS)[number];
export type LiveSettings = Pick<TrainConfig, LiveSetting>;

export function liveSettingsOf(config: LiveSettings): LiveSettings {
  return Object.fromEntries(LIVE_SETTINGS.map((key) => [key, config[key]])) as unknown as LiveSettings;
}

export function sameLiveSettings(a: LiveSettings, b: LiveSettings): boolean {
  return LIVE_SETTINGS.every((key) => Object.is(a[key], b[key]));
}

/** Grid canvas size in pixels for a config, following Heaton's layout. */
/** What the preview grid's geometry depends on; tile side in pixels. */
export interface GridLayout {
  resolution: number;
  gridRows: number;
  gridCols: number;
  gridMargin: number;
}

export function gridSize(config: GridLayout): {
  width: number;
  height: number;
} {
  const { resolution, gridRows, gridCols, gridMargin } = config;
  return {
    width: gridMargin + gridCols * (resolution + gridMargin),
    height: gridMargin + gridRows * (resolution + gridMargin),
  };
}

/** Human names for the architectures, for menus. */
export const ARCHITECTURE_LABELS: Readonly<Record<Architecture, string>> = {
  heaton: 'Heaton (Keras course, module 7.2)',
  dcgan: 'DCGAN (Radford et al. 2015)',
};
