#!/usr/bin/env node
// Generates contract/usage.ts from contract/usage.v1.schema.json, so the TypeScript types can never
// drift from the schema. `--check` exits 1 when the committed file is out of date (run by the tests).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemaPath = join(root, 'contract/usage.v1.schema.json');
const outPath = join(root, 'contract/usage.ts');
const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));

const banner =
  '// GENERATED from contract/usage.v1.schema.json by `npm run contract:gen`. Do not edit by hand.\n';
// Consumers ignore unknown fields at run time, but the type stays closed so typos fail the type check.
let ts = await compile({ ...schema, additionalProperties: false }, 'UsagePayload', {
  bannerComment: banner,
  additionalProperties: false,
  style: { singleQuote: true, semi: true, printWidth: 110 },
});
const defaults = Object.fromEntries(Object.entries(schema.properties).map(([k, p]) => [k, p.default]));
ts += `\n/** The schema's documented default for every field (what a consumer assumes when one is missing). */\n`;
ts += `export const USAGE_DEFAULTS: UsagePayload = ${JSON.stringify(defaults, null, 2)};\n`;

if (process.argv.includes('--check')) {
  const current = readFileSync(outPath, 'utf8');
  if (current !== ts) {
    console.error('contract/usage.ts is out of date: run `npm run contract:gen`');
    process.exit(1);
  }
  console.log('contract/usage.ts matches the schema');
} else {
  writeFileSync(outPath, ts);
  console.log(`wrote ${outPath}`);
}
