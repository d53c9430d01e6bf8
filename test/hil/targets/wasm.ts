// The core compiled to wasm, run in Node with the device's own poll state machine and a fetch-based HAL:
// pollTick() -> (maybe) GET with the core's timeout -> pollResult()/applyPayloadJson(), and update() +
// stateLine() once per frame. This is the ESP32's loop() with fetch in place of HTTPClient.
//
// Frames are on a fixed step of the core's clock (frameStepMs from boot), not wherever a timer happened
// to fire: when Node runs the loop late (a busy machine), the frames it missed are computed then, each at
// its own time, so the timeline has every frame and a short state (the self-test's full-scale moment, a
// blink) is never skipped. Every core call gets a time no earlier than the one before it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GaugeCore, type PollOutcomeName } from '../../../firmware/platform/wasm/gaugeCore.js';
import { LineTarget, type StartContext } from './target.js';

/** ~30 Hz, like the ESP32's render loop: the step between two frames, in the core's milliseconds. */
export const frameStepMs = 33;

/** How a fetch that produced no body maps onto the core's poll outcomes (as the ESP32 glue does). */
export function outcomeForError(err: unknown): PollOutcomeName {
  const name = err instanceof Error ? err.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') return 'timeout';
  return 'connect_failed';
}

export function outcomeForStatus(status: number): PollOutcomeName | null {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status < 200 || status > 299) return 'http_error';
  return null;
}

export class WasmTarget extends LineTarget {
  readonly name = 'wasm' as const;
  private module: WebAssembly.Module | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inflight: AbortController | null = null;
  /** Bumped on every start/stop so a late answer from a previous run is dropped. */
  private generation = 0;

  constructor(private readonly repoRoot: string) {
    super();
  }

  async prepare(): Promise<void> {
    const r = spawnSync('make', ['-s', '-C', 'firmware', 'wasm'], { cwd: this.repoRoot, encoding: 'utf8' });
    const file = join(this.repoRoot, 'firmware', 'build', 'wasm', 'gauge-core.wasm');
    if (r.status !== 0 || !existsSync(file))
      throw new Error(`make -C firmware wasm failed:\n${(r.stderr || r.stdout || '').slice(-2000)}`);
    this.module = await GaugeCore.compile(readFileSync(file));
  }

  async start(ctx: StartContext): Promise<void> {
    await this.stop();
    this.resetObservations();
    if (!this.module) throw new Error('wasm target not prepared');
    const core = await GaugeCore.load(this.module);
    const generation = ++this.generation;
    const origin = performance.now();
    // millis(): uint32 milliseconds since boot.
    const millis = () => Math.floor(performance.now() - origin) >>> 0;
    let frameT = millis();
    const frame = (t: number) => {
      core.update(t);
      this.feedLine(core.stateLine());
    };
    core.boot(frameT);
    frame(frameT);
    /** Computes every frame due up to `t` (the core's time now) and returns t, for the call that follows. */
    const catchUp = (t: number): number => {
      while (t - frameT >= frameStepMs) {
        frameT += frameStepMs;
        frame(frameT);
      }
      return t;
    };
    const now = () => catchUp(millis());

    const request = async () => {
      const ac = new AbortController();
      this.inflight = ac;
      const timeout = setTimeout(
        () => ac.abort(new DOMException('request timed out', 'TimeoutError')),
        core.requestTimeoutMs(),
      );
      const headers: Record<string, string> = ctx.token ? { Authorization: `Bearer ${ctx.token}` } : {};
      try {
        const res = await fetch(ctx.usageUrl, { headers, signal: ac.signal });
        const bad = outcomeForStatus(res.status);
        if (bad) {
          await res.arrayBuffer().catch(() => {});
          if (generation === this.generation) core.pollResult(now(), bad);
          return;
        }
        // The body is read under the same timeout: a daemon that sends headers then stalls is a timeout.
        const body = new Uint8Array(await res.arrayBuffer());
        if (generation !== this.generation) return;
        // The device's cap: a larger body is bad_body, never parsed.
        if (body.length > core.constants.max_body_bytes) core.pollResult(now(), 'bad_body');
        else core.applyPayloadJson(now(), body);
      } catch (err) {
        if (generation === this.generation)
          core.pollResult(now(), outcomeForError(ac.signal.aborted ? ac.signal.reason : err));
      } finally {
        clearTimeout(timeout);
        if (this.inflight === ac) this.inflight = null;
      }
    };

    const loop = () => {
      if (generation !== this.generation) return;
      if (core.pollTick(now())) void request();
      // A fixed URL has nothing to re-resolve; acknowledge so the flag re-arms like on the ESP32.
      if (core.wantsRediscovery()) core.ackRediscovery();
    };
    loop();
    this.timer = setInterval(loop, frameStepMs);
  }

  async stop(): Promise<void> {
    this.generation++;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.inflight?.abort();
    this.inflight = null;
  }

  async dispose(): Promise<void> {
    await this.stop();
    this.module = null;
  }
}
