// Where the ESP32 compile-check kit is (the real headers and sources of the pinned Arduino-ESP32 2.0.17,
// ESP-IDF 4.4.7, TFT_eSPI 2.5.43, ArduinoJson 7.2.0, WiFiManager 2.0.17). It is test infrastructure that
// lives beside the checkout, never in it: $GAUGE_ESP32_KIT when set (and only there), else esp32-kit/ in
// the shared directory the real-transcript tests use ($CLAUDE_GAUGE_SHARED_DIR, else ../shared next to the
// repository). Only node built-ins: scripts/test-all.mjs runs before npm ci.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The places looked at, in order. */
export function esp32KitCandidates(env = process.env) {
  if (env.GAUGE_ESP32_KIT) return [resolve(env.GAUGE_ESP32_KIT)];
  const shared = env.CLAUDE_GAUGE_SHARED_DIR || join(repoRoot, '..', 'shared');
  return [resolve(shared, 'esp32-kit')];
}

/** `{ dir }` when a kit (with its check.sh) is found, else `{ dir: null, looked: [...] }`. */
export function findEsp32Kit(env = process.env) {
  const looked = esp32KitCandidates(env);
  const dir = looked.find((d) => existsSync(join(d, 'check.sh')));
  return dir ? { dir, looked } : { dir: null, looked };
}

/**
 * The test summary's rows for `npm run firmware:esp32`: one per env, each file of the env one check
 * (clean under every compiler = passed). A SKIPPED run is one skip; a run that printed no env line failed.
 */
export function esp32CheckRows(out, code) {
  if (/^SKIPPED: /m.test(out)) {
    return [{ name: 'esp32', passed: 0, failed: 0, skipped: 1, note: out.match(/^SKIPPED: (.*)$/m)[1] }];
  }
  const rows = [
    ...out.matchAll(/^esp32-check env=(\S+) files=(\d+) compilers=(\S+) clean=(\d+) failed=(\d+)$/gm),
  ].map((m) => ({
    name: `esp32 ${m[1]}`,
    passed: Number(m[4]),
    failed: Number(m[5]),
    note: `${m[2]} files × ${m[3].split(',').length} compilers (${m[3]})`,
  }));
  if (rows.length === 0) return [{ name: 'esp32', passed: 0, failed: 1, note: 'no per-env result line' }];
  if (code !== 0 && rows.every((r) => r.failed === 0)) rows[0].failed = 1;
  return rows;
}
