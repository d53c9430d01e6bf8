// The one error the wasm wrapper throws for a core it cannot load or use, with a message a page can show as is.

/** A failure to load or use the wasm core, with a message meant for humans. */
export class GaugeCoreError extends Error {
  override name = 'GaugeCoreError';
}

/** Appended to every message about a missing, corrupt or mismatched module. */
export const BUILD_HINT = 'build it with `npm run firmware:wasm`';

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
