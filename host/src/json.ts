// What counts as a JSON object wherever the daemon and its commands take JSON in: an object that is neither
// null nor an array. Imports nothing, so the light commands (statusline, hook) use it too.

/** Whether a parsed JSON value is an object (not null, not an array). */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `text` parsed, when it is a JSON object; null when it is not JSON or not an object. */
export function parseJsonObject(text: string): Record<string, unknown> | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  return isJsonObject(v) ? v : null;
}
