/**
 * Dataset options and the ingest report, as the page and the worker exchange them.
 * Plain data; imports nothing of ours.
 */

/**
 * 'centre' crops the largest centred square (default); 'squash' resizes the whole image
 * (Heaton); 'faces' finds every face and makes one crop per face, aligned by the eyes.
 */
export type CropMode = 'centre' | 'squash' | 'faces';

/** For 'faces': how much around the face a crop keeps (see src/data/faces/align.ts). */
export type FaceMargin = 'tight' | 'normal' | 'loose';

export interface DatasetOptions {
  /** Output side in pixels (the training resolution). */
  side: number;
  /** 3 = RGB, 1 = grayscale. */
  channels: 1 | 3;
  crop: CropMode;
  /** For crop 'faces' (ignored otherwise); 'normal' when absent. */
  faceMargin?: FaceMargin;
  /**
   * Keep exact and near-duplicate images (same pixels after decoding, or a re-encoded or
   * resized copy) instead of keeping each once. Off (undefined) by default.
   */
  keepDuplicates?: boolean;
}

/**
 * Why an entry or file was not used. The first group comes from the zip, the second from
 * reading and decoding it, the last from comparing decoded images. 'unsupported' is an image
 * format this browser cannot decode (HEIC, TIFF, SVG…), named by its group's `format`.
 */
export type IngestSkipReason =
  | 'directory'
  | 'hidden'
  | 'not-image'
  | 'empty'
  | 'encrypted'
  | 'unsupported-compression'
  | 'too-large'
  | 'zip-bomb'
  | 'corrupt'
  | 'unsupported'
  | 'too-small'
  | 'aspect-ratio'
  | 'same-path'
  | 'duplicate'
  | 'near-duplicate'
  /** Crop 'faces': a photo in which no face was found (counts photos). */
  | 'no-face'
  /** Crop 'faces': a face too small to crop sharply (counts faces, names their photos). */
  | 'face-too-small';

export interface SkippedGroup {
  reason: IngestSkipReason;
  /** Short human text, e.g. "not images". */
  label: string;
  count: number;
  /**
   * Entry names as stored in the zip (display as text, never as HTML or paths); capped in
   * length. Some reasons add a detail after the name: "bomb.png (1,024 MB from 1 MB)".
   */
  names: string[];
  /** For 'unsupported': the format's name, e.g. "HEIC". */
  format?: string;
  /** What the user can do, or what happened, in a sentence that starts with the count. */
  advice?: string;
}

export type CacheOutcome =
  | { status: 'hit' }
  | { status: 'stored' }
  /** The set trains fine but was not cached; `message` says why (quota refused, no IndexedDB…). */
  | { status: 'skipped'; message: string };

export interface DatasetReport {
  source: 'zip' | 'cartoon';
  /** The zip's file name, or "Cartoon faces". */
  name: string;
  count: number;
  side: number;
  channels: 1 | 3;
  crop: CropMode;
  /** For crop 'faces': the margin, and in how many photos the `count` faces were found. */
  faces?: { margin: FaceMargin; photos: number };
  /** Skipped entries grouped by reason, largest group first; directories and hidden junk excluded from the headline. */
  skipped: SkippedGroup[];
  cache: CacheOutcome;
  /** Wall time of the load, in seconds. */
  seconds: number;
}

export interface LoadProgress {
  phase: 'reading' | 'decoding' | 'rendering' | 'caching';
  /** Images (or entries) done and in all. */
  done: number;
  total: number;
  bytesRead: number;
  bytesTotal: number;
  imagesPerSecond: number;
  /** null until there is a rate to extrapolate from. */
  etaSeconds: number | null;
}

/** A cached set as listed for the user (no pixels). */
export interface CachedSetSummary {
  key: string;
  name: string;
  count: number;
  side: number;
  channels: number;
  crop: CropMode;
  createdAt: number;
}

function plural(count: number, one: string, many: string): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}

/** How the report names a crop mode: "centre-cropped", "squashed", "aligned faces". */
export function describeCrop(crop: CropMode): string {
  switch (crop) {
    case 'centre':
      return 'centre-cropped';
    case 'squash':
      return 'squashed';
    case 'faces':
      return 'aligned faces';
  }
}

/**
 * The report's headline, e.g. "Loaded 11,582 images (64×64 RGB, centre-cropped); skipped 100:
 * 60 not images, 30 corrupt, 10 too large". With faces: "Found 9,812 faces in 7,430 photos
 * (64×64 RGB, aligned faces); 312 photos without a face; 118 faces too small; skipped 3: 3 corrupt".
 */
export function describeReport(report: DatasetReport): string {
  const colour = report.channels === 3 ? 'RGB' : 'grayscale';
  const shape = `(${report.side}×${report.side} ${colour}, ${describeCrop(report.crop)})`;
  const isFaceCount = (g: SkippedGroup): boolean => g.reason === 'no-face' || g.reason === 'face-too-small';
  // Photos without a face first, then faces too small, whatever their sizes.
  const faceCounts = ['no-face', 'face-too-small'].flatMap((reason) => report.skipped.filter((g) => g.reason === reason)).map((g) => `${g.count.toLocaleString('en-US')} ${g.label}`);
  const head = report.faces
    ? [`Found ${plural(report.count, 'face', 'faces')} in ${plural(report.faces.photos, 'photo', 'photos')} ${shape}`, ...faceCounts].join('; ')
    : `Loaded ${plural(report.count, 'image', 'images')} ${shape}`;
  const shown = report.skipped.filter((g) => g.reason !== 'directory' && g.reason !== 'hidden' && !(report.faces && isFaceCount(g)));
  const total = shown.reduce((sum, g) => sum + g.count, 0);
  if (total === 0) return head;
  return `${head}; skipped ${total.toLocaleString('en-US')}: ${shown.map((g) => `${g.count.toLocaleString('en-US')} ${g.label}`).join(', ')}`;
}

/** The report's advice sentences, one per skip group that has one, in the report's order. */
export function reportAdvice(report: DatasetReport): string[] {
  return report.skipped.flatMap((group) => (group.advice ? [group.advice] : []));
}

/** The built-in cartoon faces are a function of (count, seed): enough to draw the same set again. */
export interface CartoonOrigin {
  count: number;
  seed: number;
}

const CARTOON_IDENTITY = /^cartoon:v1:(\d+):(\d+):/;

/**
 * A string that is equal for two loads exactly when they give the same training set: the
 * cartoon faces by (count, seed, shape); anything else by a hash of its pixels and its shape.
 */
export function datasetIdentity(
  shape: { count: number; side: number; channels: number; crop: CropMode; faces?: { margin: FaceMargin } | undefined },
  origin: CartoonOrigin | { pixelHash: string },
): string {
  const { count, side, channels, crop } = shape;
  // Face crops name their margin too (their pixels differ anyway; the name says why).
  const cropName = crop === 'faces' ? `faces-${shape.faces?.margin ?? 'normal'}` : crop;
  return 'seed' in origin
    ? `cartoon:v1:${origin.count}:${origin.seed}:${side}:${channels}`
    : `pixels:v1:${origin.pixelHash}:${count}:${side}:${channels}:${cropName}`;
}

/** The cartoon set an identity names, so the page can draw it again; null for other data. */
export function cartoonOriginOf(identity: string | null): CartoonOrigin | null {
  const match = identity ? CARTOON_IDENTITY.exec(identity) : null;
  return match ? { count: Number(match[1]), seed: Number(match[2]) } : null;
}
