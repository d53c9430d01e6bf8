// The Improv codec as the browser and the HIL adapter use it (improv.wasm through improvCodec.ts and
// improvClient.ts): the same bytes as the protocol's documentation, the console text left as it was, and the
// client's request/answer rules against a device scripted with the same codec.
import { beforeAll, describe, expect, it } from 'vitest';
import { ImprovClient, ImprovError } from '../../firmware/platform/wasm/improvClient.js';
import { ImprovCodec, ImprovCodecError } from '../../firmware/platform/wasm/improvCodec.js';
import { improvWasmBytes, wasmBytes } from './builds.js';

const bytes = improvWasmBytes();
// The gauge core's module (a WebAssembly module that is not the codec), built before the tests: a cold build
// behind another worker's make lock can take longer than one test may.
let coreBytes: Uint8Array;
beforeAll(() => {
  coreBytes = wasmBytes();
});
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

describe('ImprovCodec', () => {
  it('frames the documentation example exactly and reads the protocol numbers from the module', async () => {
    const codec = await ImprovCodec.load(bytes);
    const packet = codec.rpc(codec.command.wifi_settings, ['MyWirelessAP', 'mysecurepassword']);
    const expected = cat(
      ascii('IMPROV'),
      Uint8Array.of(0x01, 0x03, 0x20, 0x01, 0x1e, 0x0c),
      ascii('MyWirelessAP'),
      Uint8Array.of(0x10),
      ascii('mysecurepassword'),
      Uint8Array.of(0xc1, 0x0a),
    );
    expect([...packet]).toEqual([...expected]);
    expect(codec.command).toEqual({
      wifi_settings: 1,
      current_state: 2,
      device_info: 3,
      scan_networks: 4,
      daemon_settings: 0xc0,
    });
    expect(codec.firmwareName).toBe('claude-gauge');
  });

  it('hands console text back unchanged and takes packets out, also when they arrive in pieces', async () => {
    const codec = await ImprovCodec.load(bytes);
    const state = codec.encodeRaw(codec.type.current_state, Uint8Array.of(codec.state.provisioned));
    const result = codec.encode(codec.type.rpc_result, codec.command.device_info, [
      'claude-gauge',
      '0.1.0',
      'cyd/esp32',
      'claude-gauge',
    ]);
    const stream = cat(
      ascii('GAUGE t=1 phase=LIVE\r\n'),
      state,
      ascii('# ok state\n'),
      result,
      ascii('IMPROVED\n'),
    );
    const events = [];
    for (let i = 0; i < stream.length; i += 5) events.push(...codec.push(stream.subarray(i, i + 5), 0));
    const text = new TextDecoder().decode(
      cat(...events.flatMap((e) => (e.kind === 'text' ? [e.bytes] : []))),
    );
    expect(text).toBe('GAUGE t=1 phase=LIVE\r\n\n# ok state\n\nIMPROVED\n');
    const packets = events.filter((e) => e.kind === 'packet');
    expect(packets).toHaveLength(2);
    expect(packets[0]).toMatchObject({ type: codec.type.current_state, strings: null });
    expect(packets[1]).toMatchObject({
      type: codec.type.rpc_result,
      command: codec.command.device_info,
      strings: ['claude-gauge', '0.1.0', 'cyd/esp32', 'claude-gauge'],
    });
  });

  it('reports a bad checksum and a stalled packet as drops, and refuses what does not fit', async () => {
    const codec = await ImprovCodec.load(bytes);
    const bad = codec.rpc(codec.command.device_info, []);
    bad[bad.length - 2] = (bad[bad.length - 2] ?? 0) ^ 0xff;
    expect(codec.push(bad, 0).map((e) => e.kind)).toEqual(['dropped', 'text']);
    const half = codec.rpc(codec.command.wifi_settings, ['home', 'pw']).subarray(0, 12);
    codec.push(half, 100);
    const after = codec.push(ascii('x\n'), 100 + codec.frameTimeoutMs + 1);
    expect(after).toEqual([
      { kind: 'dropped', reason: 'stalled' },
      { kind: 'text', bytes: ascii('x\n') },
    ]);
    expect(() => codec.rpc(codec.command.daemon_settings, ['url', 'x'.repeat(250)])).toThrow(RangeError);
    expect(() =>
      codec.rpc(
        1,
        Array.from({ length: 9 }, () => 'a'),
      ),
    ).toThrow(/at most 8 strings/);
  });

  it('refuses what is not improv.wasm with a message that says what it got and how to build it', async () => {
    const html = new TextEncoder().encode('<!doctype html><p>Not found</p>');
    await expect(ImprovCodec.load(html)).rejects.toThrow(
      /^improv\.wasm from the given bytes is not a WebAssembly module \(it starts with "<!doctype html><"; .*npm run firmware:wasm/,
    );
    await expect(ImprovCodec.load(new Uint8Array(0))).rejects.toBeInstanceOf(ImprovCodecError);
    await expect(ImprovCodec.load(new Response('gone', { status: 404 }))).rejects.toThrow(
      /could not load improv\.wasm from the response: HTTP 404/,
    );
    // The gauge core is a WebAssembly module too, but not the codec.
    await expect(ImprovCodec.load(coreBytes)).rejects.toThrow(/improv\.wasm imports/);
  });
});

/** A device scripted with the codec: answers each RPC with `reply(command, strings)`'s packets. */
async function scripted(reply: (codec: ImprovCodec, command: number, strings: string[]) => Uint8Array[]) {
  const device = await ImprovCodec.load(bytes);
  const clientCodec = await ImprovCodec.load(bytes);
  const text: string[] = [];
  let client: ImprovClient;
  const write = async (packet: Uint8Array) => {
    for (const e of device.push(packet, 0)) {
      if (e.kind !== 'packet' || e.command === null || !e.strings) continue;
      const out = reply(device, e.command, e.strings);
      setImmediate(() => client.receive(cat(ascii('# chatter\r\n'), ...out)));
    }
  };
  client = new ImprovClient(clientCodec, write, {
    now: () => 0,
    timeoutMs: 2000,
    onText: (b) => text.push(new TextDecoder().decode(b)),
  });
  return { client, text, device };
}

describe('ImprovClient', () => {
  it('reads state, info, a scan and the vendor settings the way ESP Web Tools reads the standard ones', async () => {
    const { client, text } = await scripted((c, command, strings) => {
      const ok = c.encodeRaw(c.type.error_state, Uint8Array.of(c.error.none));
      const res = (s: string[]) => c.encode(c.type.rpc_result, command, s);
      if (command === c.command.current_state)
        return [
          ok,
          c.encodeRaw(c.type.current_state, Uint8Array.of(c.state.provisioned)),
          res(['http://h:8787/']),
        ];
      if (command === c.command.device_info)
        return [ok, res(['claude-gauge', '0.1.0', 'virtual/native', 'claude-gauge'])];
      if (command === c.command.scan_networks)
        return [ok, res(['home', '-50', 'YES']), res(['cafe', '-70', 'NO']), res([])];
      if (command === c.command.daemon_settings && strings.length === 0)
        return [ok, res(['url', 'http://h:8787/usage', 'token', 'set'])];
      if (command === c.command.daemon_settings) return [ok, res(['http://h:8787/'])];
      return [c.encodeRaw(c.type.error_state, Uint8Array.of(c.error.unknown_rpc))];
    });
    expect(await client.currentState()).toEqual({ state: 'provisioned', nextUrl: 'http://h:8787/' });
    expect(await client.deviceInfo()).toEqual({
      firmware: 'claude-gauge',
      version: '0.1.0',
      chip: 'virtual/native',
      name: 'claude-gauge',
    });
    expect(await client.scan()).toEqual([
      { ssid: 'home', rssi: -50, secured: true },
      { ssid: 'cafe', rssi: -70, secured: false },
    ]);
    expect(await client.daemonSettings()).toEqual({ url: 'http://h:8787/usage', token: 'set' });
    expect(await client.setDaemonSettings({ url: 'http://h:8787/usage' })).toEqual({
      nextUrl: 'http://h:8787/',
    });
    expect(text.join('')).toContain('# chatter\r\n');
  });

  it('sends a URL and a token that do not fit one packet as two settings RPCs', async () => {
    const seen: string[][] = [];
    const { client } = await scripted((c, command, strings) => {
      seen.push(strings);
      return [
        c.encodeRaw(c.type.error_state, Uint8Array.of(c.error.none)),
        c.encode(c.type.rpc_result, command, ['http://h:8787/']),
      ];
    });
    const url = `http://h:8787/${'u'.repeat(140)}`;
    const token = 't'.repeat(160);
    expect(await client.setDaemonSettings({ url, token })).toEqual({ nextUrl: 'http://h:8787/' });
    expect(seen).toEqual([
      ['url', url],
      ['token', token],
    ]);
    seen.length = 0;
    await client.setDaemonSettings({ url: 'http://h:8787/usage', token: 'short-token' });
    expect(seen).toEqual([['url', 'http://h:8787/usage', 'token', 'short-token']]);
  });

  it('fails a request on the device error, on silence, and refuses an empty settings call', async () => {
    const { client } = await scripted((c, command) =>
      command === c.command.wifi_settings
        ? [c.encodeRaw(c.type.error_state, Uint8Array.of(c.error.unable_to_connect))]
        : [],
    );
    await expect(client.provision('home', 'wrong')).rejects.toMatchObject({ code: 'unable_to_connect' });
    const silent = client.deviceInfo();
    await expect(silent).rejects.toBeInstanceOf(ImprovError);
    await expect(silent).rejects.toMatchObject({ code: 'timeout' });
    await expect(client.setDaemonSettings({})).rejects.toThrow(/nothing to send/);
  });
});
