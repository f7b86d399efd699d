import type { EnvVarInfo, EnvVarScalar, EnvVarType } from '@runbooks/types';

import { diagnostic, type Diagnostic } from './diagnostic';
import type { EnvRequirement } from './runbook';
import { yamlValueToString } from './yaml-block';

/** The value types a declaration may name. */
export const ENV_VAR_TYPES: readonly EnvVarType[] = ['string', 'integer', 'number', 'boolean'];

/** Keys a typed declaration understands; any other key is a warning. */
export const ENV_DECLARATION_KEYS: readonly string[] = [
  'description',
  'type',
  'enum',
  'pattern',
  'minimum',
  'maximum',
  'default',
  'required',
  'secret',
  'from',
];

/**
 * `file:NAME` (a file of the secrets folder, no path), `env:NAME` (a server variable), or
 * `<scheme>:<name>` for a secret source an operator adds (Vault, a cloud secret manager).
 */
const FROM_PATTERN =
  /^(?:file:(?!\.)[A-Za-z0-9._-]+|env:[A-Za-z_][A-Za-z0-9_]*|(?!file:|env:)[a-z][a-z0-9-]*:(?!(?:.*\/)?\.\.(?:\/|$))[A-Za-z0-9._/-]+)$/;

/** Finds the line of a nested key (`  minimum: 1`) below a variable's line, for diagnostics. */
export type NestedKeyLine = (key: string) => number;

/** A legacy `NAME: description` entry: a required string, not secret. */
export function legacyDeclaration(name: string, description: string, line: number): EnvRequirement {
  return {
    name,
    description,
    line,
    type: 'string',
    enum: null,
    pattern: null,
    minimum: null,
    maximum: null,
    default: null,
    required: true,
    secret: false,
    from: null,
  };
}

function isScalar(value: unknown): value is EnvVarScalar {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/**
 * Reads a typed declaration (a YAML mapping). Never throws: problems are diagnostics (errors
 * for wrong types and rules that contradict each other, warnings for unknown keys).
 */
export function readEnvDeclaration(
  name: string,
  raw: Record<string, unknown>,
  line: number,
  keyLine: NestedKeyLine,
): { requirement: EnvRequirement; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const fail = (key: string, message: string) =>
    diagnostics.push(
      diagnostic(
        'ENV_DECLARATION_INVALID',
        'error',
        `Environment Requirements: ${name}: ${message}`,
        keyLine(key),
      ),
    );
  const has = (key: string) => Object.prototype.hasOwnProperty.call(raw, key);
  const requirement = legacyDeclaration(name, '', line);

  for (const key of Object.keys(raw)) {
    if (!ENV_DECLARATION_KEYS.includes(key)) {
      diagnostics.push(
        diagnostic(
          'ENV_DECLARATION_UNKNOWN_KEY',
          'warning',
          `Environment Requirements: ${name}: unknown key '${key}' (known: ${ENV_DECLARATION_KEYS.join(', ')})`,
          keyLine(key),
        ),
      );
    }
  }
  if (has('description')) {
    const value = raw['description'];
    if (value !== null && !isScalar(value)) fail('description', 'description must be text');
    else requirement.description = yamlValueToString(value);
  }
  if (has('type')) {
    const value = raw['type'];
    if (typeof value === 'string' && (ENV_VAR_TYPES as readonly string[]).includes(value)) {
      requirement.type = value as EnvVarType;
    } else {
      fail('type', `type must be one of: ${ENV_VAR_TYPES.join(', ')}`);
    }
  }
  const type = requirement.type;
  const isNumeric = type === 'integer' || type === 'number';
  for (const key of ['required', 'secret'] as const) {
    if (!has(key)) continue;
    const value = raw[key];
    if (typeof value === 'boolean') requirement[key] = value;
    else fail(key, `${key} must be true or false`);
  }
  for (const key of ['minimum', 'maximum'] as const) {
    if (!has(key)) continue;
    const value = raw[key];
    if (!isNumeric) fail(key, `${key} applies to integer and number variables only`);
    else if (typeof value !== 'number' || !Number.isFinite(value))
      fail(key, `${key} must be a number`);
    else if (type === 'integer' && !Number.isInteger(value))
      fail(key, `${key} must be a whole number for an integer variable`);
    else requirement[key] = value;
  }
  if (
    requirement.minimum !== null &&
    requirement.maximum !== null &&
    requirement.minimum > requirement.maximum
  ) {
    fail('maximum', 'maximum must not be below minimum');
  }
  if (has('pattern')) {
    const value = raw['pattern'];
    if (type !== 'string') fail('pattern', 'pattern applies to string variables only');
    else if (typeof value !== 'string') fail('pattern', 'pattern must be a regular expression');
    else if (compilePattern(value) === null)
      fail('pattern', `pattern is not a valid regular expression: ${value}`);
    else requirement.pattern = value;
  }
  if (has('enum')) {
    const value = raw['enum'];
    if (!Array.isArray(value) || value.length === 0) {
      fail('enum', 'enum must be a non-empty list of values');
    } else {
      const members = value.map((member) => coerceDeclared(type, member));
      if (members.some((member) => member === null))
        fail('enum', `enum values must all be of type ${type}`);
      else requirement.enum = members as EnvVarScalar[];
    }
  }
  if (has('from')) {
    const value = raw['from'];
    if (typeof value !== 'string' || !FROM_PATTERN.test(value)) {
      fail(
        'from',
        'from must be file:NAME (a file of the server secrets folder), env:NAME (a server variable) or another source of the server (scheme:name)',
      );
    } else {
      requirement.from = value;
      // A value the server keeps secret is masked like any other secret.
      requirement.secret = true;
    }
  }
  if (has('default') && raw['default'] !== null) {
    const value = coerceDeclared(type, raw['default']);
    if (requirement.secret) {
      fail('default', 'a secret cannot have a default (the file is readable by everyone)');
    } else if (value === null) {
      fail('default', `default must be of type ${type}`);
    } else {
      const problem = valueProblem(requirement, String(value));
      if (problem !== null) fail('default', `default breaks its own rules: ${problem}`);
      else requirement.default = value;
    }
  }
  return { requirement, diagnostics };
}

/** A declared scalar in the variable's type (`2` for integer, `'2'` for string), or null. */
function coerceDeclared(type: EnvVarType, value: unknown): EnvVarScalar | null {
  if (!isScalar(value)) return null;
  switch (type) {
    case 'string':
      return String(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? value : null;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
  }
}

/** Compiles a declared pattern (JavaScript syntax); null when it is not valid. */
export function compilePattern(pattern: string): RegExp | null {
  try {
    return new RegExp(pattern);
  } catch {
    return null;
  }
}

const INTEGER_TEXT = /^[+-]?\d+$/;
const NUMBER_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Longest value checked against a `pattern`. */
export const MAX_PATTERN_VALUE_LENGTH = 4096;
/** Values shorter than this cannot be masked safely (they occur everywhere by chance). */
export const MIN_SECRET_LENGTH = 4;

/** What a `got` shows of a value: at most 60 characters, control characters escaped. */
function shown(value: string): string {
  const cut = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  // eslint-disable-next-line no-control-regex
  const controlChars = /[\u0000-\u001f\u007f]/g;
  return cut.replace(controlChars, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function rangeText(requirement: EnvVarInfo): string {
  const { minimum, maximum } = requirement;
  if (minimum !== null && maximum !== null) return ` between ${minimum} and ${maximum}`;
  if (minimum !== null) return ` of at least ${minimum}`;
  if (maximum !== null) return ` of at most ${maximum}`;
  return '';
}

/**
 * Why a value breaks its declaration (the message names the variable; it shows the value only
 * when the variable is not secret), or null when it fits. Takes a parsed declaration or its wire
 * form (`required-env`), so clients check values with the server's rules.
 */
export function valueProblem(requirement: EnvVarInfo, value: string): string | null {
  const { name, type } = requirement;
  const got = requirement.secret ? '' : ` (got '${shown(value)}')`;
  if (requirement.secret && value.length < MIN_SECRET_LENGTH) {
    return `${name} is too short to be masked safely: a secret needs at least ${MIN_SECRET_LENGTH} characters`;
  }
  if (type === 'integer' || type === 'number') {
    const kind = type === 'integer' ? 'an integer' : 'a number';
    const parsed = (type === 'integer' ? INTEGER_TEXT : NUMBER_TEXT).test(value)
      ? Number(value)
      : NaN;
    const fits =
      Number.isFinite(parsed) &&
      (type === 'number' || Number.isSafeInteger(parsed)) &&
      (requirement.minimum === null || parsed >= requirement.minimum) &&
      (requirement.maximum === null || parsed <= requirement.maximum);
    if (!fits) return `${name} must be ${kind}${rangeText(requirement)}${got}`;
  }
  if (type === 'boolean' && !/^(?:true|false)$/i.test(value)) {
    return `${name} must be true or false${got}`;
  }
  if (requirement.enum !== null) {
    const normalized = normalizeEnvValue(requirement, value);
    const allowed = requirement.enum.map(String);
    const isMember =
      type === 'integer' || type === 'number'
        ? requirement.enum.some((member) => member === Number(value))
        : allowed.includes(normalized);
    if (!isMember) return `${name} must be one of: ${allowed.join(', ')}${got}`;
  }
  if (requirement.pattern !== null && type === 'string') {
    // A bound on what a careless pattern can cost (backtracking grows with the value's length).
    if (value.length > MAX_PATTERN_VALUE_LENGTH)
      return `${name} is too long to check against its pattern (at most ${MAX_PATTERN_VALUE_LENGTH} characters)`;
    const pattern = compilePattern(requirement.pattern);
    if (pattern && !pattern.test(value)) return `${name} does not match ${requirement.pattern}`;
  }
  return null;
}

/** The text a script receives for a valid value: booleans as `true`/`false`, the rest as given. */
export function normalizeEnvValue(requirement: EnvVarInfo, value: string): string {
  return requirement.type === 'boolean' ? value.toLowerCase() : value;
}
