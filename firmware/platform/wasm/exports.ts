// The functions gauge-core.wasm exports (firmware/platform/wasm/gauge_wasm.cpp): its ABI, version ABI_VERSION.
// All numbers are i32 except the f64s of gauge_stage and gauge_constant_value.

export const ABI_VERSION = 2;

export interface CoreExports {
  memory: WebAssembly.Memory;
  _initialize?: () => void;
  gauge_abi_version(): number;
  gauge_field_count(): number;
  gauge_field_name(i: number): number;
  gauge_field_type(i: number): number;
  gauge_poll_outcome_count(): number;
  gauge_poll_outcome_name(i: number): number;
  gauge_decode_status_count(): number;
  gauge_decode_status_name(i: number): number;
  gauge_json_kind_count(): number;
  gauge_json_kind_name(i: number): number;
  gauge_state_line_key_count(): number;
  gauge_state_line_key_name(i: number): number;
  gauge_lamp_priority_name(i: number): number;
  gauge_constant_count(): number;
  gauge_constant_name(i: number): number;
  gauge_constant_value(i: number): number;
  gauge_boot(now: number): void;
  gauge_tick(now: number): number;
  gauge_on_poll_result(now: number, outcome: number): void;
  gauge_update(now: number): void;
  gauge_request_timeout_ms(): number;
  gauge_ms_until_next_poll(now: number): number;
  gauge_in_flight(): number;
  gauge_consecutive_failures(): number;
  gauge_wants_rediscovery(): number;
  gauge_ack_rediscovery(): void;
  gauge_string_buffer(): number;
  gauge_string_buffer_capacity(): number;
  gauge_stage_begin(): void;
  gauge_stage(field: number, kind: number, number: number, len: number): void;
  gauge_feed(now: number): number;
  gauge_decode_report(which: number): number;
  gauge_frame(): number;
  gauge_usage(): number;
  gauge_drawing(): number;
  gauge_format_state_line(): number;
  gauge_state_line_buffer(): number;
  gauge_layout_struct_count(): number;
  gauge_layout_struct_name(s: number): number;
  gauge_layout_struct_size(s: number): number;
  gauge_layout_field_count(s: number): number;
  gauge_layout_field_name(s: number, f: number): number;
  gauge_layout_field_info(s: number, f: number, what: number): number;
  gauge_layout_kind_name(kind: number): number;
  gauge_layout_field_count_field(s: number, f: number): number;
  gauge_layout_enum_count(): number;
  gauge_layout_enum_name(e: number): number;
  gauge_layout_enum_value_count(e: number): number;
  gauge_layout_enum_value_name(e: number, v: number): number;
}

type FunctionName = Exclude<keyof CoreExports, 'memory' | '_initialize'>;
// Every function above, once more as keys the compiler holds to the interface (none missing, none extra).
const FUNCTIONS: Record<FunctionName, true> = {
  gauge_abi_version: true,
  gauge_field_count: true,
  gauge_field_name: true,
  gauge_field_type: true,
  gauge_poll_outcome_count: true,
  gauge_poll_outcome_name: true,
  gauge_decode_status_count: true,
  gauge_decode_status_name: true,
  gauge_json_kind_count: true,
  gauge_json_kind_name: true,
  gauge_state_line_key_count: true,
  gauge_state_line_key_name: true,
  gauge_lamp_priority_name: true,
  gauge_constant_count: true,
  gauge_constant_name: true,
  gauge_constant_value: true,
  gauge_boot: true,
  gauge_tick: true,
  gauge_on_poll_result: true,
  gauge_update: true,
  gauge_request_timeout_ms: true,
  gauge_ms_until_next_poll: true,
  gauge_in_flight: true,
  gauge_consecutive_failures: true,
  gauge_wants_rediscovery: true,
  gauge_ack_rediscovery: true,
  gauge_string_buffer: true,
  gauge_string_buffer_capacity: true,
  gauge_stage_begin: true,
  gauge_stage: true,
  gauge_feed: true,
  gauge_decode_report: true,
  gauge_frame: true,
  gauge_usage: true,
  gauge_drawing: true,
  gauge_format_state_line: true,
  gauge_state_line_buffer: true,
  gauge_layout_struct_count: true,
  gauge_layout_struct_name: true,
  gauge_layout_struct_size: true,
  gauge_layout_field_count: true,
  gauge_layout_field_name: true,
  gauge_layout_field_info: true,
  gauge_layout_kind_name: true,
  gauge_layout_field_count_field: true,
  gauge_layout_enum_count: true,
  gauge_layout_enum_name: true,
  gauge_layout_enum_value_count: true,
  gauge_layout_enum_value_name: true,
};

/** A module lacking one of these was built from another version. */
export const REQUIRED_FUNCTIONS = Object.keys(FUNCTIONS) as FunctionName[];
