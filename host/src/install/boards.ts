// What the browser install page offers: one board per PlatformIO env, its ESP Web Tools manifest, and where
// its firmware image comes from. Read from the checkout each time (platformio.ini for the envs, the firmware
// sources for the name and version the gauge reports), so nothing here is a second list to keep in step.
// Used by the daemon's /install routes and by the simulator's static build (simulator/vite.config.ts).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { platformioIni } from './platformio.js';

/** ESP Web Tools' chip family per PlatformIO board (the only board platformio.ini uses is esp32dev). */
const CHIP_FAMILY: Readonly<Record<string, 'ESP32'>> = { esp32dev: 'ESP32' };

export interface Board {
  /** The PlatformIO env, e.g. cyd. */
  env: string;
  /** platformio.ini's custom_install_label, else the env name. */
  label: string;
  chipFamily: 'ESP32';
}

/** The file a build writes (scripts/pio_factory_image.py) and the release publishes, per env. */
export function factoryImageName(env: string): string {
  return `claude-gauge-${env}-factory.bin`;
}

/** Env names the routes accept (platformio.ini's own are plain words). */
export const ENV_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Every env of platformio.ini a browser can install: each [env:*] on a board with a known chip family,
 * except OTA envs (upload_protocol espota), which build the same image as the env they extend.
 */
export async function readBoards(projectDir: string): Promise<Board[]> {
  const { envNames, loadIni, option } = await platformioIni();
  const ini = loadIni(projectDir);
  const boards: Board[] = [];
  for (const env of envNames(ini)) {
    const section = `env:${env}`;
    if (!ENV_NAME.test(env)) continue;
    if (option(ini, section, 'upload_protocol') === 'espota') continue;
    const chipFamily = CHIP_FAMILY[option(ini, section, 'board') ?? ''];
    if (!chipFamily) continue;
    boards.push({ env, label: option(ini, section, 'custom_install_label') ?? env, chipFamily });
  }
  return boards;
}

export interface FirmwareIdentity {
  /** What the gauge reports as its firmware name over Improv (improv::kFirmwareName). */
  name: string;
  /** GAUGE_FW_VERSION (firmware/platform/esp32/host_tested/board_config.h). */
  version: string;
}

function capture(text: string, re: RegExp, what: string): string {
  const m = re.exec(text);
  if (!m?.[1]) throw new Error(`${what} not found`);
  return m[1];
}

export function readFirmwareIdentity(projectDir: string): FirmwareIdentity {
  const improv = readFileSync(join(projectDir, 'firmware', 'core', 'improv.h'), 'utf8');
  const board = readFileSync(
    join(projectDir, 'firmware', 'platform', 'esp32', 'host_tested', 'board_config.h'),
    'utf8',
  );
  return {
    name: capture(improv, /constexpr const char\* kFirmwareName = "([^"]+)";/, 'kFirmwareName in improv.h'),
    version: capture(board, /#define GAUGE_FW_VERSION (\S+)/, 'GAUGE_FW_VERSION in board_config.h'),
  };
}

/**
 * Where released images are downloaded from: the GitHub repository in package.json's `repository` field
 * (releases/latest/download/<asset>), or null when it names none.
 */
export function releaseBaseUrl(projectDir: string): string | null {
  try {
    const pkg = JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8')) as {
      repository?: string | { url?: string };
    };
    const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
    const m = /github(?:\.com[/:]|:)([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(repo ?? '');
    return m ? `https://github.com/${m[1]}/${m[2]}/releases/latest/download` : null;
  } catch {
    return null;
  }
}

export type ImageSource =
  /** A file on this machine: a local PlatformIO build, or a copy given to a static build. */
  | { kind: 'local'; file: string; bytes: number; builtAt: Date }
  /** The release asset (the browser cannot fetch GitHub's downloads itself: no CORS). */
  | { kind: 'release'; url: string }
  | { kind: 'missing' };

/**
 * The image for an env, first found of: the local build (.pio/build/<env>/), each of `dirs` (release assets
 * downloaded for a static build), the release. Paths stay on this side: callers serve the bytes, never the
 * path.
 */
export function findImage(
  projectDir: string,
  env: string,
  opts: { dirs?: readonly string[]; releaseBase?: string | null } = {},
): ImageSource {
  const name = factoryImageName(env);
  for (const dir of [join(projectDir, '.pio', 'build', env), ...(opts.dirs ?? [])]) {
    const file = join(dir, name);
    if (!existsSync(file)) continue;
    const st = statSync(file);
    if (st.isFile() && st.size > 0) return { kind: 'local', file, bytes: st.size, builtAt: st.mtime };
  }
  return opts.releaseBase ? { kind: 'release', url: `${opts.releaseBase}/${name}` } : { kind: 'missing' };
}

/** Seconds ESP Web Tools waits for Improv after flashing: a gauge with a saved network tries it for 20 s first. */
export const IMPROV_WAIT_S = 25;

export interface Manifest {
  name: string;
  version: string;
  new_install_prompt_erase: boolean;
  new_install_improv_wait_time: number;
  builds: { chipFamily: 'ESP32'; parts: { path: string; offset: number }[] }[];
}

/**
 * ESP Web Tools' manifest: one merged image at offset 0. `name` is the gauge's own firmware name, so on a
 * gauge that already runs it the dialog offers an update. A local build says so in its version (the source
 * version is the same for every build of a checkout; the date tells the builds apart).
 */
export function manifestFor(identity: FirmwareIdentity, image: ImageSource, imagePath: string): Manifest {
  const version =
    image.kind === 'local'
      ? `${identity.version} (local build ${image.builtAt.toISOString().slice(0, 16).replace('T', ' ')} UTC)`
      : identity.version;
  return {
    name: identity.name,
    version,
    new_install_prompt_erase: true,
    new_install_improv_wait_time: IMPROV_WAIT_S,
    builds: [{ chipFamily: 'ESP32', parts: [{ path: imagePath, offset: 0 }] }],
  };
}

/** What the page lists for a board: no paths, only where the image comes from. */
export interface BoardEntry extends Board {
  image: 'local' | 'release' | 'missing';
}

export function boardEntry(board: Board, image: ImageSource): BoardEntry {
  return { ...board, image: image.kind };
}
