// The import graph of an entry point: which of the repo's files it loads, transitively, and which packages.
// The commands Claude Code runs on every status refresh or hook event must stay light.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The files `start` imports, transitively (as "dir/file.ts"), and the packages they name. */
export function importGraph(start: string): { files: string[]; external: string[] } {
  const seen = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s(?:[^'";]*?\sfrom\s)?['"]([^'"]+)['"]/gm)) {
      const spec = m[1] ?? '';
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else external.add(spec);
    }
  };
  visit(start);
  return { files: [...seen].map((f) => f.split('/').slice(-2).join('/')).sort(), external: [...external] };
}
