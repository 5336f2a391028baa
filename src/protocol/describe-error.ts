/** The message of anything thrown, for a sentence shown to the user ("Could not …: <this>"). */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
