// PlatformIO's platformio.ini as PlatformIO reads it (Python configparser dialect): the one parser the tests
// and the virtual panel's build share, so an env's settings are written once, in platformio.ini. Plain JS so
// scripts and make can use it without a TypeScript loader (types in platformioIni.d.mts).
//
//   node test/lib/platformioIni.mjs defines ENV   prints the env's build_flags -D options, one per line,
//                                                 as compiler arguments (-DNAME=VALUE); exit 2 on an unknown env
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The checkout this module sits in: the nearest directory upwards holding platformio.ini. Found, not assumed,
 * so it holds when a script bundles this module elsewhere (test/lib/importTs.mjs writes to build/ts/).
 */
export function findRepoRoot(from = dirname(fileURLToPath(import.meta.url))) {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'platformio.ini')) && existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no platformio.ini above ${from}`);
  }
}

export const repoRoot = findRepoRoot();

/**
 * `[section]`, `key = value`, values continued on indented lines, whole-line comments starting with ; or #,
 * and inline comments after " ;". Throws on anything else, naming the line, so a malformed file fails loudly.
 * @param {string} text
 * @returns {Map<string, Map<string, string>>}
 */
export function parseIni(text) {
  const ini = new Map();
  let section = null;
  let key = null;
  text.split(/\r?\n/).forEach((raw, i) => {
    const where = `platformio.ini:${i + 1}`;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith(';') || trimmed.startsWith('#')) return;
    const line = raw.replace(/\s;.*$/, '');
    if (/^\s/.test(raw)) {
      if (!section || key === null) throw new Error(`${where}: continuation line outside a value`);
      section.set(key, `${section.get(key) ?? ''}\n${line.trim()}`.trim());
      return;
    }
    const header = /^\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      const name = header[1];
      if (ini.has(name)) throw new Error(`${where}: duplicate section [${name}]`);
      section = new Map();
      ini.set(name, section);
      key = null;
      return;
    }
    const kv = /^([^=\s][^=]*?)\s*=\s*(.*)$/.exec(line);
    if (!kv || !section) throw new Error(`${where}: not a section, key = value, or comment: ${raw}`);
    const name = kv[1];
    if (section.has(name)) throw new Error(`${where}: duplicate key ${name}`);
    key = name;
    section.set(name, kv[2].trim());
  });
  return ini;
}

/**
 * An env's option as PlatformIO sees it: own value, else `extends`, else [env]; `${sec.key}` expanded.
 * @param {Map<string, Map<string, string>>} ini
 * @param {string} env  a section name, e.g. 'env:cyd'
 * @param {string} name
 * @returns {string | undefined}
 */
export function option(ini, env, name, depth = 0) {
  if (depth > 8) throw new Error(`extends loop at ${env}`);
  const sec = ini.get(env);
  let value = sec?.get(name);
  if (value === undefined && sec?.has('extends')) value = option(ini, sec.get('extends'), name, depth + 1);
  if (value === undefined && env !== 'env') value = ini.get('env')?.get(name);
  if (value === undefined) return undefined;
  return value.replace(/\$\{([^.}]+)\.([^}]+)\}/g, (_m, s, k) => {
    const v = option(ini, s, k, depth + 1);
    if (v === undefined) throw new Error(`\${${s}.${k}} is undefined`);
    return v;
  });
}

/**
 * `-D NAME=VALUE` / `-DNAME` flags of a build_flags value, as a map in order (value '1' when none).
 * @param {string} flags
 * @returns {Map<string, string>}
 */
export function defines(flags) {
  const out = new Map();
  for (const m of flags.matchAll(/-D\s*([A-Za-z_][A-Za-z0-9_]*)(?:=(\S+))?/g)) out.set(m[1], m[2] ?? '1');
  return out;
}

/** The repository's platformio.ini, parsed. */
export function loadIni(root = repoRoot) {
  return parseIni(readFileSync(join(root, 'platformio.ini'), 'utf8'));
}

/** Names of the envs that build firmware (every [env:NAME] section), in file order. */
export function envNames(ini) {
  return [...ini.keys()].filter((s) => s.startsWith('env:')).map((s) => s.slice(4));
}

/** `-D NAME[=VALUE]` options of a flags value, in order, as [name, value] pairs (value '1' when none). */
function defineList(flags) {
  return [...flags.matchAll(/-D\s*([A-Za-z_][A-Za-z0-9_]*)(?:=(\S+))?/g)].map((m) => [m[1], m[2] ?? '1']);
}

/**
 * The -D options env NAME compiles with: its build_flags in order, less those its build_unflags name (the
 * same name and value), later ones winning; null when there is no such env.
 * @returns {Map<string, string> | null}
 */
export function envDefines(ini, env) {
  if (!ini.has(`env:${env}`)) return null;
  const unflags = defineList(option(ini, `env:${env}`, 'build_unflags') ?? '');
  const kept = defineList(option(ini, `env:${env}`, 'build_flags') ?? '').filter(
    ([name, value]) => !unflags.some(([n, v]) => n === name && v === value),
  );
  return new Map(kept);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [cmd, env] = process.argv.slice(2);
  if (cmd !== 'defines' || !env) {
    console.error('usage: node test/lib/platformioIni.mjs defines ENV');
    process.exit(2);
  }
  const ini = loadIni();
  const d = envDefines(ini, env);
  if (d === null) {
    console.error(`platformio.ini has no [env:${env}] (envs: ${envNames(ini).join(', ')})`);
    process.exit(2);
  }
  for (const [k, v] of d) console.log(`-D${k}=${v}`);
}
