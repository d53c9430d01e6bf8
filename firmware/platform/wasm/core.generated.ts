// GENERATED from gauge-core.wasm by `npm run core:gen` (firmware/platform/wasm/codegen.ts). Do not edit by hand.
// The sources are the core: the structs in frame.h, usage.h and drawing.h (listed in frame_layout.cpp), the
// names in frame.h, state_line.h, poll.h, usage.h and usage_feed.h. test/firmware/coreGenerated.test.ts fails
// when this file and the module disagree.

/** The keys of the state line, in the order the firmware prints them (state_line.h). */
export const STATE_LINE_KEYS = ['t', 'phase', 'tach', 'fuel', 'temp', 'boost', 'lamps', 'rgb', 'model', 'stale', 'over', 'basis', 'week', 'eta'] as const;
export type StateLineKey = (typeof STATE_LINE_KEYS)[number];

/** gauge::Phase values, in enum order. */
export const PHASE_NAMES = ['SELFTEST', 'LIVE', 'NOSIGNAL'] as const;
export type PhaseName = (typeof PHASE_NAMES)[number];

/** gauge::DialId values, in enum order. */
export const DIAL_NAMES = ['tach', 'fuel', 'temp', 'boost'] as const;
export type DialName = (typeof DIAL_NAMES)[number];

/** gauge::Align values, in enum order. */
export const ALIGN_NAMES = ['left', 'center', 'right'] as const;
export type AlignName = (typeof ALIGN_NAMES)[number];

/** gauge::LampId values, in enum order. */
export const LAMP_NAMES = ['HOT', 'WARN', 'STALL', 'IDLE', 'NOSIG', 'ATTN'] as const;
export type LampName = (typeof LAMP_NAMES)[number];

/** gauge::FuelBasis values, in enum order. */
export const FUEL_BASIS_NAMES = ['estimate', 'official'] as const;
export type FuelBasisName = (typeof FUEL_BASIS_NAMES)[number];

/** gauge::Eta values, in enum order. */
export const ETA_NAMES = ['unknown', 'full', 'lasts'] as const;
export type EtaName = (typeof ETA_NAMES)[number];

/** Lamps from the highest priority down (the order the state line lists them in). */
export const LAMP_PRIORITY: readonly LampName[] = ['NOSIG', 'ATTN', 'HOT', 'WARN', 'STALL', 'IDLE'];

/** gauge::PollOutcome names (poll.h). */
export const POLL_OUTCOMES = ['ok', 'http_error', 'timeout', 'connect_failed', 'bad_body', 'rejected', 'unauthorized'] as const;
export type PollOutcomeName = (typeof POLL_OUTCOMES)[number];

/** gauge::DecodeStatus names (usage.h). */
export const DECODE_STATUSES = ['ok', 'bad_version', 'no_known_fields', 'not_started'] as const;
export type DecodeStatusName = (typeof DECODE_STATUSES)[number];

/** gauge::JsonKind names (usage_feed.h). */
export const JSON_KINDS = ['missing', 'null', 'bool', 'number', 'string', 'other'] as const;
export type JsonKindName = (typeof JSON_KINDS)[number];

/** The numbers the module exports by name (gauge_wasm.cpp, from gauge_config.h). */
export const CONSTANT_NAMES = ['screen_w', 'screen_h', 'max_body_bytes', 'max_json_depth'] as const;
export type ConstantName = (typeof CONSTANT_NAMES)[number];

/** The Frame's own text boxes, in declaration order (gauge::frameTexts(); Drawing.texts is in this order). */
export const FRAME_TEXT_FIELDS = ['model', 'status', 'basis', 'week', 'pace'] as const;
export type FrameTextField = (typeof FRAME_TEXT_FIELDS)[number];

export interface TextBox {
  x: number;
  y: number;
  w: number;
  h: number;
  size: number;
  align: AlignName;
  color: number;
  text: string;
  seq: number;
}

export interface Zone {
  from_deg: number;
  to_deg: number;
  color: number;
}

export interface Tick {
  deg: number;
  major: number;
  label: string;
}

export interface Dial {
  id: DialName;
  cx: number;
  cy: number;
  radius: number;
  arc_width: number;
  label_radius: number;
  needle_length: number;
  hub_radius: number;
  start_deg: number;
  end_deg: number;
  arc_color: number;
  tick_color: number;
  needle_color: number;
  zone_count: number;
  /** Only the zone_count elements in use. */
  zones: Zone[];
  tick_count: number;
  /** Only the tick_count elements in use. */
  ticks: Tick[];
  label: TextBox;
  value: TextBox;
  needle_deg: number;
  face_seq: number;
  needle_seq: number;
}

export interface LampView {
  id: LampName;
  x: number;
  y: number;
  w: number;
  h: number;
  label_size: number;
  label: string;
  active: boolean;
  lit: boolean;
  on_color: number;
  off_color: number;
  color: number;
  label_color: number;
  seq: number;
}

export interface Frame {
  t_ms: number;
  seq: number;
  layout_seq: number;
  phase: PhaseName;
  stale: boolean;
  fuel_over: boolean;
  background: number;
  dials: Dial[];
  lamps: LampView[];
  model: TextBox;
  status: TextBox;
  basis: TextBox;
  week: TextBox;
  pace: TextBox;
  rgb_led: number;
  discrete_mask: number;
  fuel_basis: FuelBasisName;
  week_pct: number;
  eta: EtaName;
  eta_min: number;
}

export interface Usage {
  v: number;
  ts_ms: number;
  rate_1m: number;
  rate_redline: number;
  window_5h_tokens: number;
  window_5h_pct: number;
  has_reset: boolean;
  window_5h_reset_in_s: number;
  thinking_ratio: number;
  cache_hit_rate: number;
  last_model: string;
  sessions_active: number;
  hot: boolean;
  warn: boolean;
  stall: boolean;
  idle: boolean;
  stale: boolean;
  source: string;
  has_quota_5h: boolean;
  quota_5h_pct: number;
  has_quota_5h_resets: boolean;
  quota_5h_resets_at: number;
  has_quota_7d: boolean;
  quota_7d_pct: number;
  has_quota_7d_resets: boolean;
  quota_7d_resets_at: number;
  has_quota_observed: boolean;
  quota_observed_at_ms: number;
  fuel_basis: FuelBasisName;
  has_pace: boolean;
  pace_pct_at_reset: number;
  has_minutes_to_full: boolean;
  minutes_to_full: number;
  attention: number;
}

export interface PointF {
  x: number;
  y: number;
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface TextPlacement {
  x: number;
  y: number;
  size: number;
  chars: number;
}

export interface TickMark {
  outer: PointF;
  inner: PointF;
  width: number;
}

export interface NeedleShape {
  pivot: PointF;
  tip: PointF;
  base_width: number;
  tip_width: number;
}

export interface DialDrawing {
  label: TextPlacement;
  value: TextPlacement;
  arc_inner_radius: number;
  tick_count: number;
  /** Only the tick_count elements in use. */
  ticks: TickMark[];
  /** Only the tick_count elements in use. */
  tick_labels: Rect[];
  needle: NeedleShape;
}

export interface LampDrawing {
  corner_radius: number;
  label: TextPlacement;
}

export interface Drawing {
  glyph_w: number;
  glyph_h: number;
  dials: DialDrawing[];
  lamps: LampDrawing[];
  text_count: number;
  /** Only the text_count elements in use. */
  texts: TextPlacement[];
}

/** Every struct field as the module lays it out; a module that lacks one, or reads it differently, is refused. */
export const LAYOUT: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  TextBox: {
    x: 'i16',
    y: 'i16',
    w: 'i16',
    h: 'i16',
    size: 'u8',
    align: 'enum:Align',
    color: 'u32',
    text: 'chars',
    seq: 'u32',
  },
  Zone: {
    from_deg: 'f32',
    to_deg: 'f32',
    color: 'u32',
  },
  Tick: {
    deg: 'f32',
    major: 'u8',
    label: 'chars',
  },
  Dial: {
    id: 'enum:DialId',
    cx: 'i16',
    cy: 'i16',
    radius: 'i16',
    arc_width: 'u8',
    label_radius: 'i16',
    needle_length: 'i16',
    hub_radius: 'i16',
    start_deg: 'f32',
    end_deg: 'f32',
    arc_color: 'u32',
    tick_color: 'u32',
    needle_color: 'u32',
    zone_count: 'u8',
    zones: 'struct:Zone[3]',
    tick_count: 'u8',
    ticks: 'struct:Tick[11]',
    label: 'struct:TextBox',
    value: 'struct:TextBox',
    needle_deg: 'f32',
    face_seq: 'u32',
    needle_seq: 'u32',
  },
  LampView: {
    id: 'enum:LampId',
    x: 'i16',
    y: 'i16',
    w: 'i16',
    h: 'i16',
    label_size: 'u8',
    label: 'chars',
    active: 'bool',
    lit: 'bool',
    on_color: 'u32',
    off_color: 'u32',
    color: 'u32',
    label_color: 'u32',
    seq: 'u32',
  },
  Frame: {
    t_ms: 'u32',
    seq: 'u32',
    layout_seq: 'u32',
    phase: 'enum:Phase',
    stale: 'bool',
    fuel_over: 'bool',
    background: 'u32',
    dials: 'struct:Dial[4]',
    lamps: 'struct:LampView[6]',
    model: 'struct:TextBox',
    status: 'struct:TextBox',
    basis: 'struct:TextBox',
    week: 'struct:TextBox',
    pace: 'struct:TextBox',
    rgb_led: 'u32',
    discrete_mask: 'u8',
    fuel_basis: 'enum:FuelBasis',
    week_pct: 'i16',
    eta: 'enum:Eta',
    eta_min: 'u16',
  },
  Usage: {
    v: 'u32',
    ts_ms: 'u64',
    rate_1m: 'f32',
    rate_redline: 'f32',
    window_5h_tokens: 'u64',
    window_5h_pct: 'f32',
    has_reset: 'bool',
    window_5h_reset_in_s: 'u32',
    thinking_ratio: 'f32',
    cache_hit_rate: 'f32',
    last_model: 'chars',
    sessions_active: 'u32',
    hot: 'bool',
    warn: 'bool',
    stall: 'bool',
    idle: 'bool',
    stale: 'bool',
    source: 'chars',
    has_quota_5h: 'bool',
    quota_5h_pct: 'f32',
    has_quota_5h_resets: 'bool',
    quota_5h_resets_at: 'u64',
    has_quota_7d: 'bool',
    quota_7d_pct: 'f32',
    has_quota_7d_resets: 'bool',
    quota_7d_resets_at: 'u64',
    has_quota_observed: 'bool',
    quota_observed_at_ms: 'u64',
    fuel_basis: 'enum:FuelBasis',
    has_pace: 'bool',
    pace_pct_at_reset: 'f32',
    has_minutes_to_full: 'bool',
    minutes_to_full: 'f32',
    attention: 'u32',
  },
  PointF: {
    x: 'f32',
    y: 'f32',
  },
  Rect: {
    x: 'i16',
    y: 'i16',
    w: 'i16',
    h: 'i16',
  },
  TextPlacement: {
    x: 'i16',
    y: 'i16',
    size: 'u8',
    chars: 'u8',
  },
  TickMark: {
    outer: 'struct:PointF',
    inner: 'struct:PointF',
    width: 'f32',
  },
  NeedleShape: {
    pivot: 'struct:PointF',
    tip: 'struct:PointF',
    base_width: 'f32',
    tip_width: 'f32',
  },
  DialDrawing: {
    label: 'struct:TextPlacement',
    value: 'struct:TextPlacement',
    arc_inner_radius: 'i16',
    tick_count: 'u8',
    ticks: 'struct:TickMark[11]',
    tick_labels: 'struct:Rect[11]',
    needle: 'struct:NeedleShape',
  },
  LampDrawing: {
    corner_radius: 'i16',
    label: 'struct:TextPlacement',
  },
  Drawing: {
    glyph_w: 'i16',
    glyph_h: 'i16',
    dials: 'struct:DialDrawing[4]',
    lamps: 'struct:LampDrawing[6]',
    text_count: 'u8',
    texts: 'struct:TextPlacement[8]',
  },
};
