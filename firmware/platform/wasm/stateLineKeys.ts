// The keys of the firmware's state line, in the order firmware/core/state_line.h prints them. One list for
// the vector runner (which `expect` keys are line fields) and the HIL parser (which keys are known);
// test/hil/stateLine.test.ts checks it against the header.
export const STATE_LINE_KEYS = [
  't',
  'phase',
  'tach',
  'fuel',
  'temp',
  'boost',
  'lamps',
  'rgb',
  'model',
  'stale',
  'over',
] as const;

export type StateLineKey = (typeof STATE_LINE_KEYS)[number];
