// The Frame as the wasm wrapper reads it (firmware/core/frame.h field for field). Re-exported so the
// simulator never declares the shape a second time.
export type {
  Dial,
  Frame,
  LampView,
  PhaseName,
  TextBox,
  Tick,
  Zone,
} from '../../firmware/platform/wasm/gaugeCore.js';

/** RGB888 as a CSS colour. */
export const css = (rgb888: number): string => `#${(rgb888 >>> 0).toString(16).padStart(6, '0').slice(-6)}`;
