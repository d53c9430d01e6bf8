import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { USAGE_DEFAULTS } from '../../contract/usage.js';

const schema = JSON.parse(
  readFileSync(new URL('../../contract/usage.v1.schema.json', import.meta.url), 'utf8'),
);
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

describe('contract v1 schema', () => {
  it('requires every property it defines, so the daemon always sends the whole payload', () => {
    expect([...schema.required].sort()).toEqual(Object.keys(schema.properties).sort());
  });

  it('gives every property a default that is itself valid', () => {
    for (const [name, prop] of Object.entries<Record<string, unknown>>(schema.properties)) {
      expect(prop, name).toHaveProperty('default');
    }
    expect(validate(USAGE_DEFAULTS), JSON.stringify(validate.errors)).toBe(true);
  });

  it('accepts a realistic payload and ignores unknown fields', () => {
    const payload = {
      ...USAGE_DEFAULTS,
      ts: 1_763_800_000_000,
      rate_1m: 412_000,
      window_5h_tokens: 12_345_678,
      window_5h_pct: 1.07,
      window_5h_reset_in_s: 3600,
      thinking_ratio: 0.31,
      cache_hit_rate: 0.93,
      last_model: 'claude-opus-4-5-20251101',
      sessions_active: 2,
      hot: false,
      warn: true,
      source: 'jsonl',
      some_future_field: { nested: true },
    };
    expect(validate(payload), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each([
    ['v is not 1', { v: 2 }],
    ['a ratio above 1', { cache_hit_rate: 1.5 }],
    ['a negative rate', { rate_1m: -1 }],
    ['a fractional token count', { window_5h_tokens: 1.5 }],
    ['a string where a number belongs', { rate_1m: '12' }],
    ['a 10 kB model name', { last_model: 'x'.repeat(10_000) }],
  ])('rejects %s', (_label, patch) => {
    expect(validate({ ...USAGE_DEFAULTS, ...patch })).toBe(false);
  });

  it('rejects a payload with a field missing', () => {
    const { rate_1m: _dropped, ...rest } = USAGE_DEFAULTS;
    expect(validate(rest)).toBe(false);
  });
});
