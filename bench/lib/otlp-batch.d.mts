// Types of otlp-batch.mjs for the TypeScript tests that use it (test/host/hostile).
export function tokenBatchJson(opts: { bytes: number; nowMs: number; seed?: number }): string;
