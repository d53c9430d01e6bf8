// `node test/vectors/run.mjs [--target native|wasm] [--dump] FILE...`: runs vector files on one build through
// the one checker (vector.ts) and prints "ok"/"FAIL" per file with the failed checks, then
// "N passed, N failed"; exits 1 on any failure. `make -C firmware vectors` runs it on the native build.
//   --dump  prints {"files":[{"file","outputs":[...],"failures":[...],"error"}]} instead (record.mjs uses it)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GaugeCore } from '../../../firmware/platform/wasm/gaugeCore.js';
import { wasmStepRunner } from '../../../firmware/platform/wasm/vectorRunner.js';
import { nativeStepRunner } from './nativeRunner.js';
import { checkVector, type StepRunner, type VectorResult } from './vector.js';

const USAGE = 'usage: node test/vectors/run.mjs [--target native|wasm] [--dump] FILE...';

export async function main(args: string[], repoRoot: string): Promise<number> {
  let target = 'native';
  let dump = false;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--dump') dump = true;
    else if (a === '--target') target = args[++i] ?? '';
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      return 0;
    } else if (a.startsWith('-')) {
      console.error(`vectors: unknown option ${a}\n${USAGE}`);
      return 2;
    } else files.push(a);
  }
  if (files.length === 0) {
    console.error(`vectors: no vector files given\n${USAGE}`);
    return 2;
  }
  let runner: StepRunner;
  if (target === 'native') {
    runner = nativeStepRunner(join(repoRoot, 'firmware', 'build', 'native', 'vector-runner'));
  } else if (target === 'wasm') {
    runner = wasmStepRunner(
      await GaugeCore.compile(readFileSync(join(repoRoot, 'firmware', 'build', 'wasm', 'gauge-core.wasm'))),
    );
  } else {
    console.error(`vectors: --target must be native or wasm, not ${JSON.stringify(target)}`);
    return 2;
  }
  let passed = 0;
  let failed = 0;
  const report: (VectorResult & { file: string })[] = [];
  for (const file of files) {
    let r: VectorResult;
    try {
      r = await checkVector(readFileSync(file, 'utf8'), runner);
    } catch (e) {
      r = { outputs: [], failures: [], error: e instanceof Error ? e.message : String(e), checks: 0 };
    }
    const ok = r.error === null && r.failures.length === 0;
    if (ok) passed++;
    else failed++;
    if (dump) {
      report.push({ file, ...r });
    } else if (ok) {
      console.log(`ok   ${file} (${r.outputs.length} steps, ${r.checks} checks)`);
    } else {
      console.log(`FAIL ${file}`);
      if (r.error !== null) console.log(`     malformed vector: ${r.error}`);
      for (const m of r.failures) console.log(`     ${m}`);
    }
  }
  if (dump) {
    const files = report.map(({ file, outputs, failures, error }) => ({ file, outputs, failures, error }));
    console.log(JSON.stringify({ files }));
  } else {
    console.log(`${passed} passed, ${failed} failed`);
  }
  return failed === 0 ? 0 : 1;
}
