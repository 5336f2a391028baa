/** The one error a load throws: a whole-file problem, its message written for the user. */

/** Why a whole load failed. 'cancelled' is the user's own abort, not a failure to show. */
export type IngestErrorCode =
  | 'not-a-zip'
  | 'truncated'
  | 'corrupt'
  | 'unsupported'
  | 'unreadable'
  | 'empty'
  | 'no-images'
  | 'out-of-memory'
  | 'decoder-failed'
  | 'invalid-options'
  | 'cancelled';

/**
 * A load that produced no set. `message` is written for the user. A cancelled load is named
 * 'AbortError', as fetch and streams name theirs, so generic abort handling recognises it.
 */
export class IngestError extends Error {
  override readonly name: 'IngestError' | 'AbortError';
  readonly code: IngestErrorCode;

  constructor(code: IngestErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = code === 'cancelled' ? 'AbortError' : 'IngestError';
  }
}
