// JSON.parse with the strictness of the device's parsers (ArduinoJson on the ESP32, nlohmann natively): what
// they refuse, the simulator refuses too, so all three reach the same verdict on the same body. This is the
// wasm platform's adaptation of its JSON library; what a parsed value MEANS is the core's (usage_feed.h).

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * Finds what the device's parsers reject in JSON text that JSON.parse accepts: a number that overflows a
 * double (JSON.parse makes it Infinity), a lone UTF-16 surrogate (escaped or raw), and nesting deeper than
 * `maxDepth` (the top-level value counts as 1). This must look at the TEXT, not the parsed value: with a
 * duplicate key the offending value is overwritten before anyone could see it, yet the device's parser has
 * already refused the whole body. Only called on text JSON.parse accepted, so the token structure is valid.
 */
export function strictJsonProblem(text: string, maxDepth: number): string | null {
  const n = text.length;
  let depth = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return `nested deeper than ${maxDepth} levels`;
      i++;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
      i++;
    } else if (c === 0x22) {
      // A string: walk it, pairing surrogates (escaped or raw) the way a UTF-8 parser must.
      i++;
      // The high surrogate waiting for its low half: 0 none, 1 raw, 2 escaped. A raw half never pairs with
      // an escaped one: as UTF-8 on the wire the raw half would already be a replacement character.
      let pending = 0;
      while (i < n) {
        let unit = text.charCodeAt(i);
        if (unit === 0x22) break;
        let kind = 1;
        if (unit === 0x5c) {
          kind = 2;
          if (text.charCodeAt(i + 1) === 0x75) {
            unit = Number.parseInt(text.slice(i + 2, i + 6), 16);
            i += 6;
          } else {
            unit = 0x20; // any other escape is a plain character
            i += 2;
          }
        } else {
          i++;
        }
        const isHigh = unit >= 0xd800 && unit <= 0xdbff;
        const isLow = unit >= 0xdc00 && unit <= 0xdfff;
        if (isLow ? pending !== kind : pending !== 0) return 'string with a lone UTF-16 surrogate';
        pending = isHigh ? kind : 0;
      }
      if (pending !== 0) return 'string with a lone UTF-16 surrogate';
      i++;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let j = i + 1;
      while (j < n && /[0-9eE.+-]/.test(text.charAt(j))) j++;
      if (!Number.isFinite(Number(text.slice(i, j)))) return 'number out of range of a double';
      i = j;
    } else {
      i++;
    }
  }
  return null;
}

/** Text or bytes (strict UTF-8) -> parsed JSON, with the strictness of the device's parser. */
export function parseStrictJson(
  body: string | Uint8Array,
  maxDepth: number,
): { value: unknown; reason: string | null } {
  let text: string;
  if (typeof body === 'string') {
    text = body;
  } else {
    try {
      text = utf8Strict.decode(body); // also drops a leading BOM
    } catch {
      return { value: undefined, reason: 'body is not valid UTF-8' };
    }
  }
  // The device's parser skips a UTF-8 byte order mark; JSON.parse would choke on it.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { value: undefined, reason: `not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  const problem = strictJsonProblem(text, maxDepth);
  return problem === null ? { value, reason: null } : { value: undefined, reason: `not JSON: ${problem}` };
}
