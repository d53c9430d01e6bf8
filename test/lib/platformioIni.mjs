// PlatformIO's project configuration as PlatformIO reads it (Python configparser dialect): platformio.ini and
// every file its `[platformio] extra_configs` pulls in (a local
// platformio_override.ini). The one parser of it in this repository: the tests, the virtual panel's build, the
// install page's boards, the ESP32 check and the GitHub workflow all read the configuration through it, so an
// env's settings are written once, in those files. Plain JS, node built-ins only, so scripts, make and CI can
// run it without a TypeScript loader or `npm ci` (types in platformioIni.d.mts).
//
//   node test/lib/platformioIni.mjs defines ENV   the env's build_flags -D options, one per line, as compiler
//                                                 arguments (-DNAME=VALUE); exit 2 on an unknown env
//   node test/lib/platformioIni.mjs envs          every env name, one per line, in configuration order
//   node test/lib/platformioIni.mjs files         the configuration files read, one path per line
//   node test/lib/platformioIni.mjs flat          the whole configuration as one platformio.ini (flatIni)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
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
 * One file: `[section]`, `key = value`, values continued on indented lines, whole-line comments starting with
 * ; or #, and inline comments after " ;". Throws on anything else, naming the file and line, so a malformed
 * file fails loudly.
 * @param {string} text
 * @param {string} [name]  the file's name in messages
 * @returns {Map<string, Map<string, string>>}
 */
export function parseIni(text, name = 'platformio.ini') {
  const ini = new Map();
  let section = null;
  let key = null;
  text.split(/\r?\n/).forEach((raw, i) => {
    const where = `${name}:${i + 1}`;
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
      const sectionName = header[1];
      if (ini.has(sectionName)) throw new Error(`${where}: duplicate section [${sectionName}]`);
      section = new Map();
      ini.set(sectionName, section);
      key = null;
      return;
    }
    const kv = /^([^=\s][^=]*?)\s*=\s*(.*)$/.exec(line);
    if (!kv || !section) throw new Error(`${where}: not a section, key = value, or comment: ${raw}`);
    const keyName = kv[1];
    if (section.has(keyName)) throw new Error(`${where}: duplicate key ${keyName}`);
    key = keyName;
    section.set(keyName, kv[2].trim());
  });
  return ini;
}

/**
 * Files matching a PlatformIO path pattern (Unix shell wildcards * ? [seq] within one path segment, relative to
 * the project), in path order. A pattern without wildcards names one file, which may be absent.
 */
function matchFiles(root, pattern) {
  const segments = pattern.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('**')) throw new Error(`extra_configs: ** is not supported here (${pattern})`);
  const toRegex = (glob) =>
    new RegExp(
      `^${glob
        .replace(/[.+^${}()|\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')
        .replace(/\[!/g, '[^')}$`,
    );
  let dirs = [root.startsWith('/') && pattern.startsWith('/') ? '/' : root];
  for (const [i, seg] of segments.entries()) {
    const last = i === segments.length - 1;
    const next = [];
    for (const dir of dirs) {
      if (!/[*?[]/.test(seg)) {
        next.push(join(dir, seg));
        continue;
      }
      if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
      const re = toRegex(seg);
      for (const entry of readdirSync(dir).sort()) if (re.test(entry)) next.push(join(dir, entry));
    }
    dirs = last ? next : next.filter((d) => existsSync(d) && statSync(d).isDirectory());
  }
  return dirs.filter((f) => existsSync(f) && statSync(f).isFile());
}

/** A list-valued option (extra_configs, extends): entries on separate lines or separated by commas. */
function listOption(value) {
  return (value ?? '')
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The project's configuration in `root` as PlatformIO reads it: platformio.ini, then every file its
 * `[platformio] extra_configs` patterns match (relative to the project; each pattern's matches in path order;
 * a pattern that matches nothing, such as an absent platformio_override.ini, adds nothing), and the files
 * those name in turn. A section seen again gains the later file's keys, and a key seen again takes the later
 * file's value (PlatformIO: "it will be overwritten with a value from extra configuration").
 * @returns {{ ini: Map<string, Map<string, string>>, files: string[] }}  files: paths relative to root, in read order
 */
export function readConfig(root = repoRoot) {
  const ini = new Map();
  const files = [];
  const read = (rel) => {
    files.push(rel);
    for (const [name, section] of parseIni(readFileSync(join(root, rel), 'utf8'), rel)) {
      const into = ini.get(name) ?? new Map();
      for (const [k, v] of section) into.set(k, v);
      ini.set(name, into);
    }
  };
  read('platformio.ini');
  // PlatformIO reads extra_configs again after each file, so a file it pulled in may name further files.
  for (;;) {
    const next = listOption(ini.get('platformio')?.get('extra_configs'))
      .flatMap((pattern) => matchFiles(root, pattern))
      .map((f) => relative(root, f))
      .find((f) => !files.includes(f));
    if (next === undefined) break;
    read(next);
  }
  return { ini, files };
}

/** The project's configuration (platformio.ini and its extra_configs), parsed. */
export function loadIni(root = repoRoot) {
  return readConfig(root).ini;
}

/** The configuration files of the project in `root`, relative to it, in the order they are read. */
export function configFiles(root = repoRoot) {
  return readConfig(root).files;
}

/**
 * An env's option as PlatformIO sees it: own value, else the sections `extends` names (in order), else [env];
 * `${section.key}`, `${this.key}` and `${sysenv.NAME}` expanded.
 * @param {Map<string, Map<string, string>>} ini
 * @param {string} env  a section name, e.g. 'env:cyd'
 * @param {string} name
 * @returns {string | undefined}
 */
export function option(ini, env, name, depth = 0) {
  if (depth > 8) throw new Error(`extends loop at ${env}`);
  const lookup = (section, d) => {
    if (d > 8) throw new Error(`extends loop at ${section}`);
    const sec = ini.get(section);
    if (sec?.has(name)) return sec.get(name);
    for (const parent of listOption(sec?.get('extends'))) {
      const v = lookup(parent, d + 1);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  let value = lookup(env, 0);
  if (value === undefined && env.startsWith('env:')) value = ini.get('env')?.get(name);
  if (value === undefined) return undefined;
  return value.replace(/\$\{([^.}]+)\.([^}]+)\}/g, (_m, s, k) => {
    const v = s === 'sysenv' ? (process.env[k] ?? '') : option(ini, s === 'this' ? env : s, k, depth + 1);
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
  return new Map(defineList(flags));
}

/** Names of the envs that build firmware (every [env:NAME] section), in configuration order. */
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

/**
 * The whole configuration as ONE platformio.ini, for a reader that follows neither extra_configs nor
 * `extends` nor `${...}` (the ESP32 kit's check.sh): [platformio] without extra_configs, then every env with
 * every option it has (own, extended, [env]) written out and expanded. Same envs, same values.
 * @param {Map<string, Map<string, string>>} ini
 * @param {string} header  comment lines to start the file with
 * @returns {string}
 */
export function flatIni(ini, header = '') {
  const out = header ? [header.replace(/^/gm, '; '), ''] : [];
  const write = (name, entries) => {
    out.push(`[${name}]`);
    for (const [k, v] of entries) {
      const [first, ...more] = v.split('\n');
      out.push(more.length ? `${k} =${first ? ` ${first}` : ''}` : `${k} = ${first}`);
      for (const line of more) out.push(`    ${line}`);
    }
    out.push('');
  };
  write(
    'platformio',
    [...(ini.get('platformio') ?? new Map())].filter(([k]) => k !== 'extra_configs'),
  );
  for (const env of envNames(ini)) {
    const names = new Set();
    const collect = (section, depth = 0) => {
      if (depth > 8) throw new Error(`extends loop at ${section}`);
      const sec = ini.get(section);
      for (const k of sec?.keys() ?? []) if (k !== 'extends') names.add(k);
      for (const parent of listOption(sec?.get('extends'))) collect(parent, depth + 1);
    };
    collect(`env:${env}`);
    for (const k of ini.get('env')?.keys() ?? []) names.add(k);
    write(
      `env:${env}`,
      [...names].map((k) => [k, option(ini, `env:${env}`, k) ?? '']),
    );
  }
  return out.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [cmd, env] = process.argv.slice(2);
  const usage = () => {
    console.error('usage: node test/lib/platformioIni.mjs defines ENV | envs | files | flat');
    process.exit(2);
  };
  if (cmd === 'defines') {
    if (!env) usage();
    const ini = loadIni();
    const d = envDefines(ini, env);
    if (d === null) {
      console.error(`platformio.ini has no [env:${env}] (envs: ${envNames(ini).join(', ')})`);
      process.exit(2);
    }
    for (const [k, v] of d) console.log(`-D${k}=${v}`);
  } else if (cmd === 'envs') {
    for (const name of envNames(loadIni())) console.log(name);
  } else if (cmd === 'files') {
    for (const f of configFiles()) console.log(f);
  } else if (cmd === 'flat') {
    process.stdout.write(flatIni(loadIni()));
  } else usage();
}
