// platformio.ini is read with the one parser the tests and the virtual panel's build share
// (test/lib/platformioIni.mjs, plain JS so make and scripts can run it), loaded from the checkout this daemon
// runs in: the install page only exists in a checkout, and the compiled daemon (dist/) sits in one too.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as PlatformioIni from '../../../test/lib/platformioIni.mjs';
import { findRepoRoot } from '../version.js';

export type { Ini } from '../../../test/lib/platformioIni.mjs';

let loaded: Promise<typeof PlatformioIni> | null = null;

export function platformioIni(): Promise<typeof PlatformioIni> {
  loaded ??= (async () => {
    const root = findRepoRoot();
    if (!root) throw new Error('not run from a claude-gauge checkout: no platformio.ini parser');
    return (await import(
      pathToFileURL(join(root, 'test', 'lib', 'platformioIni.mjs')).href
    )) as typeof PlatformioIni;
  })();
  return loaded;
}
