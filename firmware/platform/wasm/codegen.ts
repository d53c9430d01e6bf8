// Writes core.generated.ts from what the wasm module describes about itself (layout.ts): the TypeScript types
// of the structs the core hands out (Frame, Usage, Drawing, ...), the names of its enum values, state-line
// keys, lamps, poll outcomes and decoder verdicts, and the expected layout the wrapper checks at load. So the
// TS side never declares the core's shapes or vocabulary by hand: `npm run core:gen` regenerates the file,
// test/firmware/coreGenerated.test.ts fails when it is out of date.
import { type CoreDescription, fieldSignature, frameTextFields, type StructDesc } from './layout.js';

export const GENERATED_PATH = 'firmware/platform/wasm/core.generated.ts';

/** `LampId` -> `Lamp`, `Phase` -> `Phase`: the word the TS names are built from. */
function enumWord(enumName: string): string {
  return enumName.endsWith('Id') ? enumName.slice(0, -2) : enumName;
}

function constName(word: string): string {
  return `${word.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}_NAMES`;
}

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function nameList(constant: string, type: string, values: readonly string[], doc: string): string {
  return (
    `/** ${doc} */\n` +
    `export const ${constant} = [${values.map(quote).join(', ')}] as const;\n` +
    `export type ${type} = (typeof ${constant})[number];\n`
  );
}

function tsType(st: StructDesc, fieldIndex: number, desc: CoreDescription): string {
  const f = st.fields[fieldIndex];
  if (f === undefined) return 'never';
  let base: string;
  switch (f.kind) {
    case 'bool':
      base = 'boolean';
      break;
    case 'chars':
      base = 'string';
      break;
    case 'enum':
      base = `${enumWord(desc.enums[f.ref]?.name ?? 'Unknown')}Name`;
      break;
    case 'struct':
      base = desc.structs[f.ref]?.name ?? 'unknown';
      break;
    default:
      base = 'number';
  }
  return f.array ? `${base}[]` : base;
}

/** The whole file's text. */
export function generateCoreTypes(desc: CoreDescription): string {
  const out: string[] = [];
  out.push(
    '// GENERATED from gauge-core.wasm by `npm run core:gen` (firmware/platform/wasm/codegen.ts). Do not edit by hand.\n' +
      '// The sources are the core: the structs in frame.h, usage.h and drawing.h (listed in frame_layout.cpp), the\n' +
      '// names in frame.h, state_line.h, poll.h, usage.h and usage_feed.h. test/firmware/coreGenerated.test.ts fails\n' +
      '// when this file and the module disagree.\n',
  );
  out.push(
    nameList(
      'STATE_LINE_KEYS',
      'StateLineKey',
      desc.stateLineKeys,
      'The keys of the state line, in the order the firmware prints them (state_line.h).',
    ),
  );
  for (const e of desc.enums) {
    const word = enumWord(e.name);
    out.push(nameList(constName(word), `${word}Name`, e.values, `gauge::${e.name} values, in enum order.`));
  }
  out.push(
    '/** Lamps from the highest priority down (the order the state line lists them in). */\n' +
      `export const LAMP_PRIORITY: readonly LampName[] = [${desc.lampPriority.map(quote).join(', ')}];\n`,
  );
  out.push(
    nameList('POLL_OUTCOMES', 'PollOutcomeName', desc.pollOutcomes, 'gauge::PollOutcome names (poll.h).'),
  );
  out.push(
    nameList(
      'DECODE_STATUSES',
      'DecodeStatusName',
      desc.decodeStatuses,
      'gauge::DecodeStatus names (usage.h).',
    ),
  );
  out.push(nameList('JSON_KINDS', 'JsonKindName', desc.jsonKinds, 'gauge::JsonKind names (usage_feed.h).'));
  out.push(
    nameList(
      'CONSTANT_NAMES',
      'ConstantName',
      desc.constants.map((c) => c.name),
      'The numbers the module exports by name (gauge_wasm.cpp, from gauge_config.h).',
    ),
  );
  out.push(
    "/** The Frame's own text boxes, in declaration order (gauge::frameTexts(); Drawing.texts is in this order). */\n" +
      `export const FRAME_TEXT_FIELDS = [${frameTextFields(desc).map(quote).join(', ')}] as const;\n` +
      'export type FrameTextField = (typeof FRAME_TEXT_FIELDS)[number];\n',
  );
  for (const st of desc.structs) {
    const lines = st.fields.map((f, i) => {
      const used = f.countField === null ? '' : `  /** Only the ${f.countField} elements in use. */\n`;
      return `${used}  ${f.name}: ${tsType(st, i, desc)};`;
    });
    out.push(`export interface ${st.name} {\n${lines.join('\n')}\n}\n`);
  }
  const layout = desc.structs.map((st) => {
    const fields = st.fields.map((f) => `    ${f.name}: ${quote(fieldSignature(f, desc))},`);
    return `  ${st.name}: {\n${fields.join('\n')}\n  },`;
  });
  out.push(
    '/** Every struct field as the module lays it out; a module that lacks one, or reads it differently, is refused. */\n' +
      `export const LAYOUT: Readonly<Record<string, Readonly<Record<string, string>>>> = {\n${layout.join('\n')}\n};\n`,
  );
  return out.join('\n');
}
