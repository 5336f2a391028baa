/**
 * Why entries were skipped, in the user's words: the labels after a count ("3 not images"),
 * the advice that fits each cause, and the tally ingest keeps while it reads a zip.
 */
import { formatBytes } from '../../protocol/format.ts';
import type { IngestLimits } from './entries.ts';
import type { ForeignImageFormat, SourceSizeRules } from './image-header.ts';
import type { IngestSkipReason, SkippedGroup } from '../../protocol/dataset.ts';

/** Entry names kept per skip reason: enough to find the bad files, bounded for huge zips. */
export const MAX_SKIPPED_NAMES = 200;

/** A name longer than this is cut (zip names can be 64 KB; the report is posted to the page). */
const MAX_NAME_LENGTH = 256;

/** Every skip reason, in the order ties are listed in the report. */
export const INGEST_SKIP_REASONS: readonly IngestSkipReason[] = [
  'no-face',
  'face-too-small',
  'not-image',
  'corrupt',
  'unsupported',
  'duplicate',
  'near-duplicate',
  'same-path',
  'too-small',
  'aspect-ratio',
  'too-large',
  'zip-bomb',
  'encrypted',
  'unsupported-compression',
  'empty',
  'hidden',
  'directory',
];

/** Labels read after a count ("3 not images"), singular and plural. */
const SKIP_LABELS: Readonly<Record<IngestSkipReason, readonly [one: string, many: string]>> = {
  directory: ['folder', 'folders'],
  hidden: ['hidden or system file', 'hidden or system files'],
  'not-image': ['not an image', 'not images'],
  empty: ['empty file', 'empty files'],
  encrypted: ['password-protected', 'password-protected'],
  'unsupported-compression': ['with an unsupported compression method', 'with an unsupported compression method'],
  'too-large': ['too large', 'too large'],
  'zip-bomb': ['zip bomb', 'zip bombs'],
  corrupt: ['corrupt', 'corrupt'],
  unsupported: ['in an unsupported format', 'in unsupported formats'],
  'too-small': ['too small', 'too small'],
  'aspect-ratio': ['too narrow or too wide', 'too narrow or too wide'],
  'same-path': ['with a repeated path', 'with repeated paths'],
  duplicate: ['exact duplicate', 'exact duplicates'],
  'near-duplicate': ['near-duplicate', 'near-duplicates'],
  'no-face': ['photo without a face', 'photos without a face'],
  'face-too-small': ['face too small', 'faces too small'],
};

/** How each format the browser cannot decode is called, and what to turn it into. */
const FOREIGN_FORMATS: Readonly<Record<ForeignImageFormat, { one: string; many: string; fix: string }>> = {
  HEIC: { one: 'HEIC photo', many: 'HEIC photos', fix: 'convert to JPEG' },
  TIFF: { one: 'TIFF image', many: 'TIFF images', fix: 'convert to JPEG or PNG' },
  SVG: { one: 'SVG image', many: 'SVG images', fix: 'convert to PNG' },
  PSD: { one: 'Photoshop (PSD) file', many: 'Photoshop (PSD) files', fix: 'export as JPEG or PNG' },
  'JPEG XL': { one: 'JPEG XL image', many: 'JPEG XL images', fix: 'convert to JPEG' },
};

/** The label of `count` skipped entries for `reason`, as describeReport prints it after the count. */
export function skipLabel(reason: IngestSkipReason, count: number, format?: ForeignImageFormat): string {
  if (reason === 'unsupported' && format) return count === 1 ? FOREIGN_FORMATS[format].one : FOREIGN_FORMATS[format].many;
  const [one, many] = SKIP_LABELS[reason];
  return count === 1 ? one : many;
}

/** What the advice sentences need to know about the load. */
interface AdviceContext {
  limits: Readonly<IngestLimits>;
  maxPixels: number;
  side: number;
  rules: SourceSizeRules;
  /** For 'faces': the smallest eye distance, in photo pixels, that makes a crop (minimumEyeDistance). */
  minEyeDistance: number;
}

/**
 * The sentence that tells the user what happened to a group and what to do about it, starting
 * with the count and label ("12 HEIC photos: this browser can't decode HEIC; convert to
 * JPEG."); undefined where the label says all there is (not images, corrupt, empty, junk).
 * @param notes per-group facts gathered while loading (compression methods met).
 */
export function skipAdvice(reason: IngestSkipReason, count: number, context: AdviceContext, notes: readonly string[] = [], format?: ForeignImageFormat): string | undefined {
  const head = `${count.toLocaleString('en-US')} ${skipLabel(reason, count, format)}`;
  const one = count === 1;
  const { limits, rules } = context;
  switch (reason) {
    case 'unsupported':
      return format ? `${head}: this browser can't decode ${format}; ${FOREIGN_FORMATS[format].fix}.` : undefined;
    case 'encrypted':
      return `${count.toLocaleString('en-US')} password-protected ${one ? 'file' : 'files'}: re-zip without a password.`;
    case 'unsupported-compression':
      return `${count.toLocaleString('en-US')} ${one ? 'file' : 'files'} compressed with ${notes.join(' or ')}: re-zip with standard (Deflate) compression.`;
    case 'zip-bomb':
      return `${head}: ${one ? 'it unpacks' : 'they unpack'} to over ${limits.maxCompressionRatio} times ${one ? 'its' : 'their'} compressed size (the limit for files above ${formatBytes(limits.ratioFloorBytes)}) or to more than ${one ? 'it declares' : 'they declare'}; not loaded.`;
    case 'too-large':
      return `${head}: over the ${formatBytes(limits.maxEntryBytes)} limit per file or the ${Math.round(context.maxPixels / 1e6)} megapixel limit per image.`;
    case 'too-small':
      return `${head}: under ${rules.minSide} px on the short side (half the ${context.side} px training size); use larger photos or a smaller image size.`;
    case 'aspect-ratio':
      return `${head}: one side over ${rules.maxAspectRatio} times the other; crop ${one ? 'it' : 'them'} nearer to square.`;
    case 'duplicate':
      return `${head}: the same pixels as an earlier image; kept once.`;
    case 'near-duplicate':
      return `${head}: a re-encoded or resized copy of an earlier image; kept once.`;
    case 'same-path':
      return `${head}: the zip holds more than one file at ${one ? 'this path' : 'these paths'}; only the first was loaded.`;
    case 'no-face':
      return `${head}: no face was found with enough confidence (faces in profile, half hidden or tiny are missed).`;
    case 'face-too-small':
      return `${head}: ${one ? 'its eyes are' : 'their eyes are'} under ${Math.ceil(context.minEyeDistance)} px apart in the photo, so ${one ? 'its crop' : 'their crops'} would be blurred; use larger photos or a smaller image size.`;
    case 'not-image':
    case 'corrupt':
    case 'empty':
    case 'hidden':
    case 'directory':
      return undefined;
  }
}

export interface SkipTally {
  /**
   * @param detail shown after the name ("bomb.png (1,024 MB from 10 KB)").
   * @param note a fact the group's advice lists once (the compression methods met).
   * @param format for 'unsupported': which format, one group each.
   */
  add(reason: IngestSkipReason, name: string, detail?: string, note?: string, format?: ForeignImageFormat): void;
  /** Largest group first; ties in INGEST_SKIP_REASONS order. */
  groups(): SkippedGroup[];
}

interface TallyGroup {
  reason: IngestSkipReason;
  format: ForeignImageFormat | undefined;
  count: number;
  names: string[];
  notes: string[];
}

export function createSkipTally(context: AdviceContext): SkipTally {
  const tally = new Map<string, TallyGroup>();
  return {
    add(reason, name, detail, note, format) {
      const key = format ? `${reason}:${format}` : reason;
      let group = tally.get(key);
      if (!group) {
        group = { reason, format, count: 0, names: [], notes: [] };
        tally.set(key, group);
      }
      group.count++;
      if (note !== undefined && !group.notes.includes(note)) group.notes.push(note);
      if (group.names.length < MAX_SKIPPED_NAMES) {
        const shown = name.length > MAX_NAME_LENGTH ? `${name.slice(0, MAX_NAME_LENGTH - 1)}…` : name;
        group.names.push(detail === undefined ? shown : `${shown} (${detail})`);
      }
    },
    groups() {
      const order = (reason: IngestSkipReason): number => INGEST_SKIP_REASONS.indexOf(reason);
      return [...tally.values()]
        .map(({ reason, format, count, names, notes }) => {
          const advice = skipAdvice(reason, count, context, notes, format);
          return { reason, label: skipLabel(reason, count, format), count, names: [...names], ...(format ? { format } : {}), ...(advice ? { advice } : {}) };
        })
        .sort((a, b) => b.count - a.count || order(a.reason) - order(b.reason));
    },
  };
}
