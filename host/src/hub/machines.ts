// The machines a hub hears from: itself, its satellites (each delivery names its machine and reports its
// live sessions and send time) and Claude Code exporters that name a host. A machine is live while heard
// from within the timeout (default 2 min): those are the payload's `machines`, and their sessions count in
// sessions_active. A silent one stays listed (for doctor and /metrics) for a day, then is forgotten.
// Times are the wall clock's: a frozen --now must not make every satellite look silent or live forever.

import type { MachineName } from '../sources/otlp/decode.js';

/** Machines remembered; past it the one heard from least recently is forgotten (the fault hub-machines-evicted). */
export const MAX_MACHINES = 256;
/** A silent machine is listed this long after it was last heard from. */
export const FORGET_MACHINE_MS = 24 * 3_600_000;
/** Clock-offset samples kept per machine (the estimate is their best). */
const OFFSET_SAMPLES = 16;

export interface MachineView {
  /** The name shown: the machine's name, with its id when another machine of that name is known. */
  label: string;
  live: boolean;
  self: boolean;
  lastSeenMs: number;
  sessionsActive: number;
  sessionsWorking: number;
  /**
   * Its clock minus the hub's, ms, as well as it can be told: the largest (send time − receive time) of the
   * last deliveries, which is the offset less the quickest delivery's transit. Null until one is known.
   */
  clockOffsetMs: number | null;
  /** Responses it forwarded that the hub took (new or changed), since the hub started. */
  records: number;
}

interface Machine {
  key: string;
  name: MachineName;
  self: boolean;
  lastSeenMs: number;
  sessionsActive: number;
  sessionsWorking: number;
  offsets: number[];
  records: number;
}

export function machineKey(m: MachineName): string {
  return m.id === '' ? m.name : `${m.name}~${m.id}`;
}

export class MachineRegistry {
  private readonly machines = new Map<string, Machine>();
  private readonly selfKey: string;

  constructor(
    self: MachineName,
    readonly timeoutMs: number,
    private readonly clock: () => number = Date.now,
    private readonly onEvicted: () => void = () => {},
  ) {
    this.selfKey = machineKey(self);
    this.machines.set(this.selfKey, this.fresh(self, true));
  }

  private fresh(name: MachineName, self: boolean): Machine {
    return {
      key: machineKey(name),
      name,
      self,
      lastSeenMs: this.clock(),
      sessionsActive: 0,
      sessionsWorking: 0,
      offsets: [],
      records: 0,
    };
  }

  get self(): string {
    return this.selfKey;
  }

  /** `name` was heard from now; returns its key. */
  heard(name: MachineName): string {
    const key = machineKey(name);
    let m = this.machines.get(key);
    const now = this.clock();
    if (m === undefined) {
      this.forgetOld(now);
      if (this.machines.size >= MAX_MACHINES) {
        let oldest: Machine | null = null;
        for (const x of this.machines.values())
          if (!x.self && (oldest === null || x.lastSeenMs < oldest.lastSeenMs)) oldest = x;
        if (oldest) this.machines.delete(oldest.key);
        this.onEvicted();
      }
      m = this.fresh(name, false);
      this.machines.set(key, m);
    }
    m.lastSeenMs = now;
    return key;
  }

  /** A satellite's report about itself, received now. */
  report(name: MachineName, sessionsActive: number, sessionsWorking: number, sentAtMs: number | null): void {
    const m = this.machines.get(this.heard(name));
    if (!m || m.self) return;
    m.sessionsActive = sessionsActive;
    m.sessionsWorking = sessionsWorking;
    if (sentAtMs !== null) {
      m.offsets.push(sentAtMs - this.clock());
      if (m.offsets.length > OFFSET_SAMPLES) m.offsets.shift();
    }
  }

  /** Counts `n` responses taken from machine `key`. */
  counted(key: string, n: number): void {
    const m = this.machines.get(key);
    if (m) m.records += n;
  }

  private forgetOld(now: number): void {
    for (const [k, m] of this.machines)
      if (!m.self && now - m.lastSeenMs > FORGET_MACHINE_MS) this.machines.delete(k);
  }

  private isLive(m: Machine, now: number): boolean {
    return m.self || now - m.lastSeenMs <= this.timeoutMs;
  }

  /** Live machines (itself included) and the live sessions of the others. */
  live(): { machines: number; sessionsActive: number; sessionsWorking: number } {
    const now = this.clock();
    let machines = 0;
    let sessionsActive = 0;
    let sessionsWorking = 0;
    for (const m of this.machines.values()) {
      if (!this.isLive(m, now)) continue;
      machines++;
      if (m.self) continue;
      sessionsActive += m.sessionsActive;
      sessionsWorking += m.sessionsWorking;
    }
    return { machines, sessionsActive, sessionsWorking };
  }

  /** Every machine remembered, itself first, then by label. */
  list(): MachineView[] {
    const now = this.clock();
    this.forgetOld(now);
    const names = new Map<string, number>();
    for (const m of this.machines.values()) names.set(m.name.name, (names.get(m.name.name) ?? 0) + 1);
    const views = [...this.machines.values()].map((m) => ({
      label:
        (names.get(m.name.name) ?? 0) > 1 && m.name.id !== '' ? `${m.name.name}~${m.name.id}` : m.name.name,
      live: this.isLive(m, now),
      self: m.self,
      lastSeenMs: m.self ? now : m.lastSeenMs,
      sessionsActive: m.sessionsActive,
      sessionsWorking: m.sessionsWorking,
      clockOffsetMs: m.offsets.length === 0 ? null : Math.max(...m.offsets),
      records: m.records,
    }));
    return views.sort((a, b) => (a.self !== b.self ? (a.self ? -1 : 1) : a.label < b.label ? -1 : 1));
  }
}
