// Every package installed for the daemon runs on the Node versions package.json promises. One that asks
// for a newer Node makes npm warn EBADENGINE on install, and refuse it under engine-strict. This is why
// light-my-request (Fastify's inject) is a dependency pinned to 6.6.0: 6.8 pulls cookie@2, which declares
// Node >= 22.
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

interface LockEntry {
  version?: string;
  dev?: boolean;
  engines?: { node?: string } | string[];
}

const read = (name: string) => JSON.parse(readFileSync(new URL(`../../${name}`, import.meta.url), 'utf8'));
const pkg = read('package.json') as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};
const lock = read('package-lock.json') as { packages: Record<string, LockEntry> };

describe('Node versions (package.json "engines")', () => {
  it('every non-dev package in the lock file supports the oldest Node that package.json allows', () => {
    const oldest = semver.minVersion(pkg.engines.node);
    expect(oldest).not.toBeNull();
    const refusing: string[] = [];
    let checked = 0;
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === '' || entry.dev) continue;
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (!range) continue;
      checked++;
      if (!semver.satisfies(oldest as semver.SemVer, range))
        refusing.push(`${path}@${entry.version}: ${range}`);
    }
    expect(checked).toBeGreaterThan(10); // the lock really was read
    expect(refusing).toEqual([]);
  });

  it('pins the ccusage oracle exactly, at a version whose platform binary installs here', () => {
    // 20.0.24's linux-x64 binary installs from the registry this project is built against; 20.0.26's did
    // not. A range would let a fresh install move the oracle (and every "equals ccusage" check) silently.
    expect(pkg.devDependencies.ccusage).toBe('20.0.24');
    expect(lock.packages['node_modules/ccusage']?.version).toBe('20.0.24');
  });
});
