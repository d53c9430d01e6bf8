// The package version, read once from package.json (two levels up from host/src, three from dist/host/src).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's root: the nearest ancestor holding this project's package.json. */
export function findRepoRoot(start = dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = start;
  for (let i = 0; i < 6; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'claude-gauge') return dir;
      } catch {
        // Unreadable package.json: keep walking up.
      }
    }
    dir = dirname(dir);
  }
  return null;
}

function readVersion(): string {
  const root = findRepoRoot();
  if (!root) return '0.0.0';
  try {
    return (
      (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ??
      '0.0.0'
    );
  } catch {
    return '0.0.0';
  }
}

export const VERSION = readVersion();
