import { statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

import { load } from 'js-yaml';

import { applyJsonPatch, type JsonPatchOperation } from './json-patch';
import { isDeleteDirective, isMapping, strategicMerge } from './strategic-merge';
import { readYaml, readYamlDocuments, type YamlNode } from './yaml-files';

/**
 * Renders a kustomization folder as `kustomize build` (v5) does, for the features deploy/k8s uses:
 * `resources` (files and folders), `components`, `namespace`, `images` and `patches` (inline or
 * `path`, strategic merge or JSON 6902, with a `target` by kind and name). Anything else in a
 * kustomization is an error rather than a silently different rendering, so the deploy tests need
 * neither kubectl nor kustomize on the machine.
 */
export function buildKustomization(dir: string): YamlNode[] {
  return applyKustomization(dir, 'Kustomization', []);
}

const KNOWN_FIELDS = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'resources',
  'components',
  'images',
  'patches',
]);

/** Kinds that live outside namespaces (the ones the namespace transformer leaves alone). */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
]);

interface ImageRule {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

interface Patch {
  patch?: string;
  path?: string;
  target?: { kind?: string; name?: string };
}

function applyKustomization(dir: string, kind: string, inherited: YamlNode[]): YamlNode[] {
  const file = join(dir, 'kustomization.yaml');
  const spec = readYaml(file);
  if ((spec['kind'] ?? 'Kustomization') !== kind)
    throw new Error(`${file}: expected kind ${kind}, found ${String(spec['kind'])}`);
  const unknown = Object.keys(spec).filter((key) => !KNOWN_FIELDS.has(key));
  if (unknown.length > 0)
    throw new Error(`${file}: the test renderer does not support ${unknown.join(', ')}`);

  const relativePaths = [...list<string>(spec['resources']), ...list<string>(spec['components'])];
  const absolute = relativePaths.filter((entry) => isAbsolute(entry));
  if (absolute.length > 0)
    throw new Error(`${file}: kustomize refuses absolute paths (${absolute.join(', ')})`);

  let objects = [...inherited];
  for (const entry of list<string>(spec['resources'])) {
    const path = resolve(dir, entry);
    const added = statSync(path).isDirectory() ? buildKustomization(path) : readYamlDocuments(path);
    objects = addUnique(objects, added, file);
  }
  for (const entry of list<string>(spec['components']))
    objects = applyKustomization(resolve(dir, entry), 'Component', objects);

  for (const patch of list<Patch>(spec['patches'])) objects = applyPatch(objects, patch, dir);
  const namespace = spec['namespace'];
  if (typeof namespace === 'string') objects.forEach((o) => setNamespace(o, namespace));
  const images = list<ImageRule>(spec['images']);
  if (images.length > 0) objects.forEach((o) => rewriteImages(o, images));
  return objects;
}

function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

function id(object: YamlNode): string {
  const metadata = isMapping(object['metadata']) ? object['metadata'] : {};
  const namespace = typeof metadata['namespace'] === 'string' ? metadata['namespace'] : '~';
  return `${String(object['kind'])}/${namespace}/${String(metadata['name'])}`;
}

function addUnique(objects: YamlNode[], added: YamlNode[], file: string): YamlNode[] {
  const seen = new Set(objects.map(id));
  for (const object of added) {
    if (seen.has(id(object))) throw new Error(`${file}: ${id(object)} is listed twice`);
    seen.add(id(object));
  }
  return [...objects, ...added];
}

function matches(object: YamlNode, target: { kind?: string; name?: string }): boolean {
  const metadata = isMapping(object['metadata']) ? object['metadata'] : {};
  const full = (pattern: string, value: unknown) =>
    new RegExp(`^(?:${pattern})$`).test(String(value));
  return (
    (target.kind === undefined || full(target.kind, object['kind'])) &&
    (target.name === undefined || full(target.name, metadata['name']))
  );
}

function applyPatch(objects: YamlNode[], patch: Patch, dir: string): YamlNode[] {
  const text = patch.path
    ? readYamlDocuments(resolve(dir, patch.path))[0]
    : load(patch.patch ?? '');
  const target = patch.target ?? targetOf(text);
  const unknownTarget = Object.keys(target).filter((k) => k !== 'kind' && k !== 'name');
  if (unknownTarget.length > 0)
    throw new Error(`patch target: the test renderer does not support ${unknownTarget.join(', ')}`);
  const result: YamlNode[] = [];
  for (const object of objects) {
    if (!matches(object, target)) result.push(object);
    else if (Array.isArray(text)) {
      const copy = structuredClone(object);
      applyJsonPatch(copy, text as JsonPatchOperation[]);
      result.push(copy);
    } else if (isMapping(text)) {
      if (!isDeleteDirective(text)) result.push(strategicMerge(object, withoutIdentity(text)));
    } else throw new Error(`patch: neither a strategic merge patch nor a JSON patch`);
  }
  return result;
}

function targetOf(patch: unknown): { kind?: string; name?: string } {
  if (!isMapping(patch) || !isMapping(patch['metadata']))
    throw new Error('patch: a patch without target needs kind and metadata.name');
  return { kind: String(patch['kind']), name: String(patch['metadata']['name']) };
}

/** A targeted strategic merge patch changes neither the kind nor the name of what it patches. */
function withoutIdentity(patch: YamlNode): YamlNode {
  const { apiVersion: _apiVersion, kind: _kind, metadata, ...rest } = patch;
  if (!isMapping(metadata)) return rest;
  const { name: _name, namespace: _namespace, ...otherMetadata } = metadata;
  return Object.keys(otherMetadata).length > 0 ? { ...rest, metadata: otherMetadata } : rest;
}

function setNamespace(object: YamlNode, namespace: string): void {
  if (CLUSTER_SCOPED.has(String(object['kind']))) return;
  const metadata = isMapping(object['metadata']) ? object['metadata'] : {};
  object['metadata'] = { ...metadata, namespace };
}

function rewriteImages(node: unknown, rules: ImageRule[]): void {
  if (Array.isArray(node)) return node.forEach((item) => rewriteImages(item, rules));
  if (!isMapping(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if ((key === 'containers' || key === 'initContainers') && Array.isArray(value))
      for (const container of value)
        if (isMapping(container) && typeof container['image'] === 'string')
          container['image'] = rewriteImage(container['image'], rules);
    rewriteImages(value, rules);
  }
}

/** `image` after the first rule whose name is its name (registry and path, without tag). */
export function rewriteImage(image: string, rules: ImageRule[]): string {
  const at = image.indexOf('@');
  const withoutDigest = at >= 0 ? image.slice(0, at) : image;
  const colon = withoutDigest.lastIndexOf(':');
  const hasTag = colon > withoutDigest.lastIndexOf('/');
  const name = hasTag ? withoutDigest.slice(0, colon) : withoutDigest;
  const suffix = image.slice(name.length);
  const rule = rules.find((r) => r.name === name);
  if (!rule) return image;
  const newSuffix = rule.digest ? `@${rule.digest}` : rule.newTag ? `:${rule.newTag}` : suffix;
  return `${rule.newName ?? name}${newSuffix}`;
}
