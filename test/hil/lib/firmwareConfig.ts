// Timing constants read from the firmware's own config header, so the suite's deadlines follow the
// firmware (NO SIGNAL bound, backoff, self-test length) instead of a second copy that could drift.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FirmwareTiming {
  pollIntervalMs: number;
  requestTimeoutMs: number;
  noSignalAfterMs: number;
  backoffMaxMs: number;
  selfTestMs: number;
}

/** Evaluates the `constexpr` integer constants of gauge_config.h (literals, sums of earlier constants). */
export function parseConfigConstants(header: string): Map<string, number> {
  const values = new Map<string, number>();
  const re = /constexpr\s+(?:u?int\d+_t|int|unsigned|float|double)\s+(k\w+)\s*=\s*([^;]+);/g;
  for (const m of header.matchAll(re)) {
    const name = m[1] as string;
    const expr = (m[2] as string).trim();
    const terms = expr.split('+').map((t) => t.trim());
    let sum = 0;
    let ok = true;
    for (const term of terms) {
      const literal = /^(-?\d+(?:\.\d+)?(?:e-?\d+)?)f?$/i.exec(term);
      if (literal) sum += Number(literal[1]);
      else if (values.has(term)) sum += values.get(term) as number;
      else {
        ok = false;
        break;
      }
    }
    if (ok) values.set(name, sum);
  }
  return values;
}

export function readFirmwareTiming(repoRoot: string): FirmwareTiming {
  const path = join(repoRoot, 'firmware', 'core', 'gauge_config.h');
  const values = parseConfigConstants(readFileSync(path, 'utf8'));
  const get = (name: string): number => {
    const v = values.get(name);
    if (v === undefined || !Number.isFinite(v)) throw new Error(`${name} not found in ${path}`);
    return v;
  };
  return {
    pollIntervalMs: get('kPollIntervalMs'),
    requestTimeoutMs: get('kRequestTimeoutMs'),
    noSignalAfterMs: get('kNoSignalAfterMs'),
    backoffMaxMs: get('kBackoffMaxMs'),
    selfTestMs: get('kSelfTestMs'),
  };
}
