// The native build as a StepRunner: firmware/build/native/vector-runner gets the parsed steps on stdin and
// prints one record per step (firmware/platform/native/vector_runner.cpp). Node only.
import { spawnSync } from 'node:child_process';
import type { StepRecord, StepRunner } from './vector.js';

export function nativeStepRunner(runnerPath: string): StepRunner {
  return {
    run(steps) {
      const input = JSON.stringify({ steps: steps.map((s) => ({ at: s.at, action: s.action })) });
      const r = spawnSync(runnerPath, [], { input, encoding: 'utf8', maxBuffer: 256 << 20 });
      if (r.error) throw new Error(`could not run ${runnerPath}: ${r.error.message}`);
      if (r.status !== 0) {
        throw new Error(
          `${runnerPath} exited ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().slice(-2000)}`,
        );
      }
      return r.stdout
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as StepRecord);
    },
  };
}
