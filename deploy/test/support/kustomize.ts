import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { dump } from 'js-yaml';

import { buildKustomization } from './kustomize-build';
import type { YamlNode } from './yaml-files';

/** What an overlay of the operator's own says on top of deploy/k8s. */
export interface Overlay {
  /** Component folders, in order (absolute paths). */
  components?: string[];
  /** Further kustomization fields, e.g. `images`. */
  extra?: Record<string, unknown>;
}

/**
 * Renders `base` (a kustomization folder) the way an operator's overlay outside it would, with
 * kustomize's semantics (./kustomize-build, so no kubectl is needed). Components cannot be
 * rendered from inside their base's folder, hence the overlay in a temporary folder.
 */
export function kustomizeBuild(base: string, overlay: Overlay = {}): YamlNode[] {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-kustomize-'));
  try {
    const kustomization = {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: [relative(dir, base)],
      ...(overlay.components
        ? { components: overlay.components.map((c) => relative(dir, c)) }
        : {}),
      ...overlay.extra,
    };
    writeFileSync(join(dir, 'kustomization.yaml'), dump(kustomization));
    return buildKustomization(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The one object of `kind` named `name` among `objects` (throws when there is none). */
export function objectNamed(objects: YamlNode[], kind: string, name: string): YamlNode {
  const found = objects.find((o) => o['kind'] === kind && readName(o) === name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendered manifests`);
  return found;
}

function readName(object: YamlNode): unknown {
  const metadata = object['metadata'];
  return typeof metadata === 'object' && metadata !== null
    ? (metadata as Record<string, unknown>)['name']
    : undefined;
}

/** One item of a container's `env`. */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

/**
 * A container's env with `$(NAME)` references resolved as the kubelet does: only variables
 * defined earlier in the list count, `$$` escapes a `$`, and an unknown reference stays as it is.
 * `secrets` holds the Secret values, keyed `<secret>/<key>`; a key missing there throws, as the
 * kubelet refuses to start such a container.
 */
export function resolveEnv(
  env: EnvVar[],
  secrets: ReadonlyMap<string, string>,
): Map<string, string> {
  const resolved = new Map<string, string>();
  for (const item of env) {
    const ref = item.valueFrom?.secretKeyRef;
    resolved.set(
      item.name,
      ref ? secretValue(secrets, `${ref.name}/${ref.key}`) : expand(item.value ?? '', resolved),
    );
  }
  return resolved;
}

function secretValue(secrets: ReadonlyMap<string, string>, id: string): string {
  const value = secrets.get(id);
  if (value === undefined) throw new Error(`env refers to ${id}, which the test's Secret lacks`);
  return value;
}

function expand(value: string, defined: ReadonlyMap<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name?: string) =>
    name === undefined ? '$' : (defined.get(name) ?? whole),
  );
}
