// The forwarded record on the wire and on disk.

import { describe, expect, it } from 'vitest';
import {
  encodeDelivery,
  type ForwardRecord,
  fromSpoolLine,
  machineIdOf,
  responseIdOf,
  spoolLine,
} from '../../../host/src/hub/record.js';
import { decodeLogRecords, OtlpDecodeError } from '../../../host/src/sources/otlp/decode.js';
import { decodeRequest } from '../../../host/src/sources/otlp/decode-request.js';
import { EVENT_FIELDS, responseKey } from '../../../host/src/sources/otlp/packed.js';

const R: ForwardRecord = {
  id: responseIdOf('msg_01ABC', 'req_01XYZ'),
  ts: 1_800_000_000_123,
  model: 'claude-opus-4-6',
  input: 12,
  output: 345,
  cacheRead: 67_890,
  cacheCreation: 1234,
  thinking: 100,
  sidechain: true,
};

describe('the forwarded record', () => {
  it("decodes as Claude Code's api_request event, with its id, machine, thinking and flags", () => {
    const machine = { name: 'laptop', id: machineIdOf('host', 'laptop', ['/home/me/.claude']) };
    const body = encodeDelivery(
      [R, { ...R, id: responseIdOf('m2', null), sidechain: false, retracted: true }],
      machine,
      { sessionsActive: 3, sessionsWorking: 2 },
      1_800_000_001_000,
    );
    const { events, reports } = decodeLogRecords(JSON.parse(JSON.stringify(body)));
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      model: 'claude-opus-4-6',
      timeMs: R.ts,
      input: 12,
      output: 345,
      cacheRead: 67_890,
      cacheCreation: 1234,
      responseId: R.id,
      machine,
      thinking: 100,
      sidechain: true,
      retracted: false,
    });
    expect(events[1]).toMatchObject({ sidechain: false, retracted: true });
    expect(reports).toEqual([
      { machine, sessionsActive: 3, sessionsWorking: 2, sentAtMs: 1_800_000_001_000 },
    ]);
    // Nothing identifying travels: no message or request id, no path, no host name beyond the machine's.
    const text = JSON.stringify(body);
    for (const secret of ['msg_01ABC', 'req_01XYZ', '/home/me', 'host.name'])
      expect(text).not.toContain(secret);
  });

  it('packs what the hub needs into the decoded batch', () => {
    const body = Buffer.from(
      JSON.stringify(
        encodeDelivery([R], { name: 'b', id: '0011aabb' }, { sessionsActive: 1, sessionsWorking: 0 }, 5),
      ),
    );
    const out = decodeRequest({ kind: 'logs', body, encoding: '', maxInflatedBytes: 1 << 20 });
    if (!out.ok) throw new Error(out.message);
    const d = out.batch.data;
    expect(out.batch.count).toBe(1);
    expect(d.length).toBe(EVENT_FIELDS);
    expect(d[7]).toBe(responseKey(R.id));
    expect(out.batch.machines[d[8] as number]).toEqual({ name: 'b', id: '0011aabb' });
    expect(d[9]).toBe(100);
    expect(d[10]).toBe(1);
    expect(out.batch.reports).toHaveLength(1);
  });

  it('refuses a response id that is not one (400, nothing counted)', () => {
    const body = encodeDelivery(
      [{ ...R, id: 'not-hex' }],
      { name: 'b', id: '0011aabb' },
      { sessionsActive: 0, sessionsWorking: 0 },
      5,
    );
    expect(() => decodeLogRecords(body)).toThrow(OtlpDecodeError);
  });

  it('ids: stable for a response, one per (message, request), and per machine for a response without ids', () => {
    expect(responseIdOf('msg_1', 'req_1')).toBe(responseIdOf('msg_1', 'req_1'));
    expect(responseIdOf('msg_1', 'req_1')).toMatch(/^[0-9a-f]{32}$/);
    expect(responseIdOf('msg_1', 'req_2')).not.toBe(responseIdOf('msg_1', 'req_1'));
    expect(responseIdOf('msg_1', null)).not.toBe(responseIdOf('msg_1', 'req_1'));
    expect(machineIdOf('h', 'n', ['/a'])).toMatch(/^[0-9a-f]{8}$/);
    expect(machineIdOf('h', 'n', ['/a'])).not.toBe(machineIdOf('h', 'n', ['/b']));
    expect(machineIdOf('h', 'n', ['/a', '/b'])).toBe(machineIdOf('h', 'n', ['/b', '/a']));
  });

  it('round-trips through a spool line; a torn or foreign line is not a record', () => {
    expect(fromSpoolLine(spoolLine(R))).toEqual(R);
    const retracted = { ...R, retracted: true, model: null };
    expect(fromSpoolLine(spoolLine(retracted))).toEqual(retracted);
    for (const bad of ['', '[1,2', '{"a":1}', '["x",1,null,1,1,1,1,1,0]', spoolLine(R).slice(0, 40)])
      expect(fromSpoolLine(bad)).toBeNull();
  });
});
