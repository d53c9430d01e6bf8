// The browser install page (/install/): ESP Web Tools flashes the gauge and gives it Wi-Fi over Improv; then
// this page sends the daemon URL and token over the same port with the gauge's vendor Improv command, framed
// by the gauge's own codec (improv.wasm). Board list, manifests and images come from the daemon
// (host/src/routes/install.ts) or, in a static build, from files written next to this page.
import 'esp-web-tools/dist/install-button.js';
import { ImprovClient, ImprovError } from '../../../firmware/platform/wasm/improvClient.js';
import { ImprovCodec } from '../../../firmware/platform/wasm/improvCodec.js';

interface BoardEntry {
  env: string;
  label: string;
  chipFamily: string;
  image: 'local' | 'release' | 'missing';
}
interface Boards {
  firmware: { name: string; version: string } | null;
  boards: BoardEntry[];
}
interface DeviceInfo {
  daemonUrl: string | null;
  reason: string | null;
  tokenRequired: boolean;
  tokenOffered: boolean;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const boardSelect = $<HTMLSelectElement>('board');
const imageNote = $('image-note');
const installButton = $('install-button');
const urlInput = $<HTMLInputElement>('daemon-url');
const daemonNote = $('daemon-note');
const tokenRow = $('token-row');
const tokenConsent = $<HTMLInputElement>('token-consent');
const tokenInput = $<HTMLInputElement>('token');
const tokenNote = $('token-note');
const sendButton = $<HTMLButtonElement>('send');
const sendStatus = $('send-status');

function say(el: HTMLElement, text: string, tone: 'ok' | 'error' | '' = ''): void {
  el.textContent = text;
  if (tone) el.dataset.tone = tone;
  else delete el.dataset.tone;
}

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { cache: 'no-store' });
  const body = (await res.json().catch(() => null)) as (T & { message?: string }) | null;
  if (!res.ok || body === null) throw new Error(body?.message ?? `${path}: HTTP ${res.status}`);
  return body;
}

// ---- What this browser can do
const hasSerial = 'serial' in navigator;
const secure = window.isSecureContext;
$('no-serial').hidden = hasSerial;
if (hasSerial && !secure) {
  $('not-secure').hidden = false;
  const local = `http://127.0.0.1:${location.port || '8787'}/install/`;
  const link = $<HTMLAnchorElement>('local-link');
  link.href = local;
  link.textContent = local;
}
const canSerial = hasSerial && secure;

// ---- Step 1: boards and their manifests
const IMAGE_TEXT: Record<BoardEntry['image'], string> = {
  local: 'Image: your local PlatformIO build of this checkout.',
  release: 'Image: the latest release (downloaded through the daemon).',
  missing: '',
};

let boards: BoardEntry[] = [];
function chooseBoard(env: string): void {
  const board = boards.find((b) => b.env === env);
  if (!board) return;
  installButton.setAttribute('manifest', `${board.env}/manifest.json`);
  const usable = board.image !== 'missing';
  installButton.toggleAttribute('hidden', !usable);
  say(
    imageNote,
    usable
      ? IMAGE_TEXT[board.image]
      : `No firmware image for ${board.env} here: build it in this checkout with \`pio run -e ${board.env}\` ` +
          '(that writes the image this page flashes); no released image is available to this page.',
    usable ? '' : 'error',
  );
  document.querySelectorAll('#no-serial code').forEach((c) => {
    if (c.textContent?.startsWith('pio run')) c.textContent = `pio run -e ${board.env} -t upload`;
  });
}

async function loadBoards(): Promise<void> {
  try {
    const data = await getJson<Boards>('boards.json');
    boards = data.boards;
    boardSelect.replaceChildren(
      ...boards.map((b) => {
        const o = document.createElement('option');
        o.value = b.env;
        o.textContent = `${b.label} (${b.env})${b.image === 'missing' ? ' — no image' : ''}`;
        return o;
      }),
    );
    boardSelect.disabled = boards.length === 0;
    const first = boards.find((b) => b.image !== 'missing') ?? boards[0];
    if (first) {
      boardSelect.value = first.env;
      chooseBoard(first.env);
    } else {
      say(imageNote, 'No installable board env found in platformio.ini.', 'error');
    }
  } catch (err) {
    boardSelect.replaceChildren(new Option('unavailable'));
    say(imageNote, `Cannot list the boards: ${(err as Error).message}`, 'error');
    installButton.hidden = true;
  }
}
boardSelect.addEventListener('change', () => chooseBoard(boardSelect.value));

// ---- Step 2: the daemon URL and, with consent, its token
let device: DeviceInfo | null = null;
async function loadDevice(): Promise<void> {
  try {
    device = await getJson<DeviceInfo>('device.json');
  } catch (err) {
    say(daemonNote, `Cannot ask the daemon for its address: ${(err as Error).message}`, 'error');
    return;
  }
  if (device.daemonUrl) {
    urlInput.value = device.daemonUrl;
    say(daemonNote, 'The address this daemon listens on, as the gauge on your network sees it.');
  } else if (device.reason) {
    say(daemonNote, `Not filled in: ${device.reason}.`, 'error');
  }
  tokenRow.hidden = !device.tokenRequired;
  if (device.tokenRequired && !device.tokenOffered) {
    tokenConsent.disabled = true;
    say(tokenNote, 'The daemon hands its token only to this page opened on its own machine: type it here.');
  }
}

tokenConsent.addEventListener('change', async () => {
  if (!tokenConsent.checked) {
    tokenInput.value = '';
    say(tokenNote, '');
    return;
  }
  try {
    const res = await fetch('token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ consent: true }),
      cache: 'no-store',
    });
    const body = (await res.json()) as { token?: string | null; message?: string };
    if (!res.ok) throw new Error(body.message ?? `HTTP ${res.status}`);
    tokenInput.value = body.token ?? '';
    say(tokenNote, body.token ? 'Filled in from the daemon.' : 'The daemon has no token.');
  } catch (err) {
    tokenConsent.checked = false;
    say(tokenNote, `The daemon did not hand out its token: ${(err as Error).message}`, 'error');
  }
});

// ---- Sending: the gauge's vendor Improv RPC over Web Serial
let codecPromise: Promise<ImprovCodec> | null = null;
const codec = () => {
  codecPromise ??= ImprovCodec.load(new URL('../improv.wasm', location.href));
  return codecPromise;
};

async function pickPort(): Promise<SerialPort> {
  // The port ESP Web Tools just used is already granted; ask only when there is none or several.
  const granted = await navigator.serial.getPorts();
  return granted.length === 1 && granted[0] ? granted[0] : navigator.serial.requestPort();
}

async function send(): Promise<void> {
  const url = urlInput.value.trim();
  const token = tokenRow.hidden ? '' : tokenInput.value.trim();
  if (url && !/^http:\/\/[^/\s:][^\s]*$/.test(url)) {
    say(sendStatus, 'The gauge polls plain http://host:port/usage (no https, no spaces).', 'error');
    return;
  }
  sendButton.disabled = true;
  say(sendStatus, 'Connecting to the gauge…');
  let port: SerialPort | null = null;
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  let client: ImprovClient | null = null;
  try {
    const improv = await codec();
    port = await pickPort();
    if (!port.readable) await port.open({ baudRate: 115200 });
    const opened = port;
    const write = async (bytes: Uint8Array) => {
      const writer = opened.writable?.getWriter();
      if (!writer) throw new Error('the port is not writable');
      try {
        await writer.write(bytes);
      } finally {
        writer.releaseLock();
      }
    };
    const c = new ImprovClient(improv, write);
    client = c;
    const r = opened.readable?.getReader() ?? null;
    reader = r;
    void (async () => {
      try {
        for (;;) {
          const { value, done } = (await r?.read()) ?? { done: true, value: undefined };
          if (done) break;
          if (value) c.receive(value);
        }
      } catch {
        // The port went away; the request in flight fails below.
      }
      c.close();
    })();
    const info = await c.deviceInfo();
    if (info.firmware !== improv.firmwareName)
      throw new Error(
        `this board runs ${info.firmware || 'unknown firmware'} ${info.version}, not claude-gauge`,
      );
    const { nextUrl } = await c.setDaemonSettings({ url, ...(token ? { token } : {}) });
    say(
      sendStatus,
      `Stored on ${info.name} (${info.chip}). The gauge restarts and polls ${url || 'the daemon it finds by mDNS'}` +
        `${token ? ' with the token' : ''}.${nextUrl ? ` Its picture: ${nextUrl}` : ''}`,
      'ok',
    );
  } catch (err) {
    const text =
      err instanceof ImprovError && err.code === 'timeout'
        ? 'The board did not answer over Improv: is it running claude-gauge, and is the install dialog closed?'
        : err instanceof ImprovError && err.code === 'invalid_rpc'
          ? 'The gauge refused the settings (a URL it cannot poll, or a token that is too long).'
          : (err as Error).message;
    say(sendStatus, text, 'error');
  } finally {
    client?.close();
    await reader?.cancel().catch(() => {});
    reader?.releaseLock();
    await port?.close().catch(() => {});
    sendButton.disabled = !canSerial;
  }
}
sendButton.addEventListener('click', () => void send());
sendButton.disabled = !canSerial;

void loadBoards();
void loadDevice();
