import { readFileSync } from 'node:fs';

import { loadAll } from 'js-yaml';

/** A parsed YAML document of unknown shape. */
export type YamlNode = Record<string, unknown>;

/** Every document of a YAML file (multi-document files give several). */
export function readYamlDocuments(path: string): YamlNode[] {
  return loadAll(readFileSync(path, 'utf8')).filter(
    (doc): doc is YamlNode => typeof doc === 'object' && doc !== null,
  );
}

/** The one document of a YAML file. */
export function readYaml(path: string): YamlNode {
  const docs = readYamlDocuments(path);
  if (docs.length !== 1)
    throw new Error(`${path}: expected one YAML document, found ${docs.length}`);
  return docs[0] as YamlNode;
}

/** Follows `keys` into nested objects/arrays; undefined when a step is missing. */
export function dig(node: unknown, ...keys: Array<string | number>): unknown {
  let current: unknown = node;
  for (const key of keys) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** `value` as a record (throws with `what` when it is not one). */
export function asRecord(value: unknown, what: string): YamlNode {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new Error(`${what}: expected a mapping, got ${JSON.stringify(value)}`);
  return value as YamlNode;
}

/** `value` as an array (throws with `what` when it is not one). */
export function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value))
    throw new Error(`${what}: expected a list, got ${JSON.stringify(value)}`);
  return value;
}
