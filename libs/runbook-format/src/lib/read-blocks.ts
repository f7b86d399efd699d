import { diagnostic, type Diagnostic } from './diagnostic';
import type { FenceBlock } from './markdown-blocks';
import {
  MAX_ATTEMPTS_LIMIT,
  type EnvRequirement,
  type RequiredClaims,
  type RetryPolicy,
  type SectionRange,
} from './runbook';

import { legacyDeclaration, readEnvDeclaration } from './env-declaration';
import { readYamlBlock, YAML_LANGUAGES, yamlValueToString, type YamlScalars } from './yaml-block';

/** A value read from a section plus what went wrong while reading it. */
export interface Read<T> {
  value: T;
  diagnostics: Diagnostic[];
}

/** Fence languages accepted for the Script block (run with zsh whatever the tag). */
export const SHELL_LANGUAGES: readonly string[] = ['sh', 'zsh', 'bash', 'shell'];

/** Environment variable names scripts can receive. */
export const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function firstYamlFence(fences: FenceBlock[]): FenceBlock | undefined {
  return fences.find((fence) => YAML_LANGUAGES.includes(fence.language));
}

/** Reads a section's YAML block as a mapping, reporting syntax and shape problems. */
export function readMapping(
  section: SectionRange,
  fences: FenceBlock[],
  missingSeverity: 'error' | 'warning' | null,
  scalars?: YamlScalars,
) {
  const fence = firstYamlFence(fences);
  const diagnostics: Diagnostic[] = [];
  if (!fence) {
    if (missingSeverity) {
      diagnostics.push(
        diagnostic(
          'YAML_BLOCK_MISSING',
          missingSeverity,
          `${section.title} section must contain a YAML code block`,
          section.headingLine,
        ),
      );
    }
    return { result: null, fence: null, diagnostics };
  }
  const result = readYamlBlock(fence, scalars);
  if (result.kind === 'syntax-error') {
    diagnostics.push(
      diagnostic(
        'YAML_SYNTAX',
        'error',
        `${section.title}: invalid YAML: ${result.message}`,
        result.line,
        result.column,
      ),
    );
  } else if (result.kind === 'not-mapping') {
    diagnostics.push(
      diagnostic(
        'YAML_NOT_MAPPING',
        'error',
        `${section.title}: the YAML block must be a mapping of name: value`,
        result.line,
      ),
    );
  }
  return { result, fence, diagnostics };
}

/**
 * Reads `NAME: description` pairs and typed declarations (mappings); null when the block is
 * missing or unreadable.
 */
export function readEnvironment(
  section: SectionRange,
  fences: FenceBlock[],
): Read<EnvRequirement[] | null> {
  const { result, fence, diagnostics } = readMapping(section, fences, 'error');
  if (!result || !fence || result.kind === 'syntax-error' || result.kind === 'not-mapping') {
    return { value: null, diagnostics };
  }
  if (result.kind === 'empty') return { value: [], diagnostics };
  const fenceLines = fence.content.split('\n');
  const value = result.entries.map(([name, raw]): EnvRequirement => {
    const line = result.keyLines.get(name) ?? fence.contentLine;
    if (!ENV_VAR_NAME.test(name)) {
      diagnostics.push(
        diagnostic(
          'ENV_VAR_NAME_INVALID',
          'warning',
          `'${name}' is not a valid environment variable name`,
          line,
        ),
      );
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      return legacyDeclaration(name, yamlValueToString(raw), line);
    }
    const read = readEnvDeclaration(name, raw as Record<string, unknown>, line, (key) =>
      nestedKeyLine(fenceLines, fence.contentLine, line, key),
    );
    diagnostics.push(...read.diagnostics);
    return read.requirement;
  });
  return { value, diagnostics };
}

/** The line of `key:` indented below the entry on `entryLine`, or the entry's own line. */
function nestedKeyLine(lines: string[], firstLine: number, entryLine: number, key: string): number {
  for (let index = entryLine - firstLine + 1; index < lines.length; index += 1) {
    const text = lines[index] ?? '';
    if (text.trim() === '' || /^\s*#/.test(text)) continue;
    if (!/^\s/.test(text)) break;
    const match = /^\s+(?:"([^"]*)"|'([^']*)'|([^\s#'"][^:]*?))\s*:(?:\s|$)/.exec(text);
    if ((match?.[1] ?? match?.[2] ?? match?.[3]) === key) return firstLine + index;
  }
  return entryLine;
}

/** Reads the `Input:` list of paths; null when the block is unreadable. */
export function readInputs(section: SectionRange, fences: FenceBlock[]): Read<string[] | null> {
  const { result, fence, diagnostics } = readMapping(section, fences, 'warning');
  if (!result || !fence || result.kind === 'empty') return { value: [], diagnostics };
  if (result.kind === 'syntax-error' || result.kind === 'not-mapping')
    return { value: null, diagnostics };
  const input = result.entries.find(([key]) => key === 'Input')?.[1];
  if (input === undefined || input === null) return { value: [], diagnostics };
  if (Array.isArray(input)) {
    const paths = input
      .filter((item) => item !== null && typeof item !== 'object')
      .map(yamlValueToString);
    if (paths.length === input.length) return { value: paths, diagnostics };
  } else if (typeof input !== 'object') {
    return { value: [yamlValueToString(input)], diagnostics };
  }
  const line = result.keyLines.get('Input') ?? fence.contentLine;
  diagnostics.push(
    diagnostic('INPUT_INVALID', 'error', 'Input must be a path or a list of paths', line),
  );
  return { value: null, diagnostics };
}

/**
 * Splits one claim's allowed values: a comma string or a YAML list, each part trimmed of ASCII
 * spaces and tabs (never of Unicode spaces); empty parts dropped.
 */
function allowedValues(value: unknown): string[] | null {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return null;
  const parts = Array.isArray(value) ? value : yamlValueToString(value).split(',');
  if (parts.some((part) => part !== null && typeof part === 'object')) return null;
  return parts
    .map((part) => yamlValueToString(part).replace(/^[ \t]+|[ \t]+$/g, ''))
    .filter((part) => part !== '');
}

/** Claim names that would reach an object's prototype instead of naming a claim. */
const FORBIDDEN_CLAIM_NAMES: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/**
 * Reads required claims. A section with content that cannot be read yields null so callers
 * deny (a typo must never make a runbook unrestricted).
 */
export function readClaims(
  section: SectionRange,
  fences: FenceBlock[],
): Read<RequiredClaims | null> {
  if (section.isEmpty) return { value: {}, diagnostics: [] };
  const { result, fence, diagnostics } = readMapping(section, fences, 'error', 'as-written');
  if (!result || !fence) {
    diagnostics.forEach((d) => (d.code = 'CLAIMS_INVALID'));
    return { value: null, diagnostics };
  }
  if (result.kind === 'empty') return { value: {}, diagnostics };
  if (result.kind !== 'mapping') return { value: null, diagnostics };
  const claims: RequiredClaims = {};
  for (const [name, raw] of result.entries) {
    const line = result.keyLines.get(name) ?? fence.contentLine;
    if (FORBIDDEN_CLAIM_NAMES.includes(name)) {
      diagnostics.push(
        diagnostic('CLAIMS_INVALID', 'error', `'${name}' cannot be a required claim name`, line),
      );
      return { value: null, diagnostics };
    }
    const values = allowedValues(raw);
    if (values === null) {
      diagnostics.push(
        diagnostic(
          'CLAIMS_INVALID',
          'error',
          `Required claim '${name}' must be a comma-separated string or a list`,
          line,
        ),
      );
      return { value: null, diagnostics };
    }
    if (values.length === 0) {
      diagnostics.push(
        diagnostic(
          'CLAIMS_INVALID',
          'warning',
          `Required claim '${name}' lists no allowed values: nobody satisfies it`,
          line,
        ),
      );
    }
    claims[name] = values;
  }
  return { value: claims, diagnostics };
}

/** The policy of a runbook without a Retry Policy section (or with an empty one): never re-run. */
export const NO_RETRY: RetryPolicy = { maxAttempts: 1 };

/** Reads `max_attempts: <1..10>`; null (with an error) when the block is unreadable or wrong. */
export function readRetryPolicy(
  section: SectionRange,
  fences: FenceBlock[],
): Read<RetryPolicy | null> {
  if (section.isEmpty) return { value: { ...NO_RETRY }, diagnostics: [] };
  const { result, fence, diagnostics } = readMapping(section, fences, 'error');
  diagnostics.forEach((d) => (d.code = 'RETRY_POLICY_INVALID'));
  if (!result || !fence || result.kind === 'syntax-error' || result.kind === 'not-mapping')
    return { value: null, diagnostics };
  if (result.kind === 'empty') return { value: { ...NO_RETRY }, diagnostics };
  const policy: RetryPolicy = { ...NO_RETRY };
  for (const [name, raw] of result.entries) {
    const line = result.keyLines.get(name) ?? fence.contentLine;
    if (name !== 'max_attempts') {
      diagnostics.push(
        diagnostic(
          'RETRY_POLICY_INVALID',
          'warning',
          `Retry Policy: unknown setting '${name}' (known: max_attempts)`,
          line,
        ),
      );
      continue;
    }
    if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > MAX_ATTEMPTS_LIMIT) {
      diagnostics.push(
        diagnostic(
          'RETRY_POLICY_INVALID',
          'error',
          `Retry Policy: max_attempts must be a whole number from 1 to ${MAX_ATTEMPTS_LIMIT}`,
          line,
        ),
      );
      return { value: null, diagnostics };
    }
    policy.maxAttempts = raw;
  }
  return { value: policy, diagnostics };
}
