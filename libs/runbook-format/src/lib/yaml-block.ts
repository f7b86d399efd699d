import { CORE_SCHEMA, FAILSAFE_SCHEMA, load, Type, YAMLException, type Schema } from 'js-yaml';

import type { FenceBlock } from './markdown-blocks';

/** Outcome of reading a section's YAML block. */
export type YamlBlockResult =
  | { kind: 'mapping'; entries: [string, unknown][]; keyLines: Map<string, number> }
  | { kind: 'empty' }
  | { kind: 'not-mapping'; line: number }
  | { kind: 'syntax-error'; message: string; line: number; column: number };

/**
 * How scalars are read: `core` (YAML's core schema: numbers, booleans) or `as-written` (every
 * scalar a string exactly as written). A name, so that js-yaml's types stay out of the published
 * declarations.
 */
export type YamlScalars = 'core' | 'as-written';

/** Fence languages accepted for YAML blocks. */
export const YAML_LANGUAGES: readonly string[] = ['yaml', 'yml'];

/**
 * A schema that keeps every scalar as written (`0042`, `0x1F`, `1.10`, `yes` stay strings);
 * only an empty value, `~` or `null` means "no value".
 */
const AS_WRITTEN_SCHEMA: Schema = FAILSAFE_SCHEMA.extend({
  implicit: [
    new Type('tag:yaml.org,2002:null', {
      kind: 'scalar',
      resolve: (data: unknown) =>
        data === null ||
        (typeof data === 'string' && ['', '~', 'null', 'Null', 'NULL'].includes(data)),
      construct: () => null,
      predicate: (value: unknown) => value === null,
    }),
  ],
});

/**
 * Reads a fenced YAML block with js-yaml's core schema (no custom tags, no timestamps, no code)
 * or another one. Never throws; errors come back as data with a position in the runbook.
 */
export function readYamlBlock(fence: FenceBlock, scalars: YamlScalars = 'core'): YamlBlockResult {
  const schema = scalars === 'as-written' ? AS_WRITTEN_SCHEMA : CORE_SCHEMA;
  if (fence.content.trim() === '') return { kind: 'empty' };
  let value: unknown;
  try {
    value = load(fence.content, { schema, json: false });
  } catch (error) {
    if (error instanceof YAMLException) {
      return {
        kind: 'syntax-error',
        message: error.reason || error.message,
        line: fence.contentLine + Math.max(0, error.mark?.line ?? 0),
        column: (error.mark?.column ?? 0) + 1,
      };
    }
    return { kind: 'syntax-error', message: String(error), line: fence.contentLine, column: 1 };
  }
  if (value === null || value === undefined) return { kind: 'empty' };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { kind: 'not-mapping', line: fence.contentLine };
  }
  return {
    kind: 'mapping',
    entries: Object.entries(value as Record<string, unknown>),
    keyLines: findKeyLines(fence),
  };
}

/** Maps each top-level key of a block to its line, for precise diagnostics. */
function findKeyLines(fence: FenceBlock): Map<string, number> {
  const lines = new Map<string, number>();
  fence.content.split('\n').forEach((text, offset) => {
    const match = /^(?:"([^"]+)"|'([^']+)'|([^\s#'"][^:]*?))\s*:(?:\s|$)/.exec(text);
    const key = match?.[1] ?? match?.[2] ?? match?.[3];
    if (key !== undefined && !lines.has(key)) lines.set(key, fence.contentLine + offset);
  });
  return lines;
}

/** Turns a YAML scalar into the string the runbook means (`null` → `''`). */
export function yamlValueToString(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return JSON.stringify(value);
}
