// The one rule every source follows for `<synthetic>` responses (host/src/sources/source.ts); each
// source's own tests show it applied there (jsonl numbers, ccusage, otlp, the session tracker).
import { describe, expect, it } from 'vitest';
import { isShownModel, isSyntheticModel, SYNTHETIC_MODEL } from '../../../host/src/sources/source.js';

describe('the <synthetic> model rule', () => {
  it('marks only the name Claude Code gives its own responses', () => {
    expect(SYNTHETIC_MODEL).toBe('<synthetic>');
    expect(isSyntheticModel('<synthetic>')).toBe(true);
    for (const m of ['claude-opus-4-6', '', null, undefined, '<SYNTHETIC>'])
      expect(isSyntheticModel(m)).toBe(false);
  });

  it('shows a model only when it is a non-empty name that is not <synthetic>', () => {
    expect(isShownModel('claude-opus-4-6')).toBe(true);
    for (const m of ['<synthetic>', '', null, undefined, 42, {}])
      expect(isShownModel(m), String(m)).toBe(false);
  });
});
