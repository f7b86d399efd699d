/**
 * The merge key of each list that Kubernetes merges item by item in a strategic merge patch
 * (for the fields our manifests patch); every other list is replaced whole, as Kubernetes does.
 */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
};

type Mapping = Record<string, unknown>;

/** Whether `value` is a YAML mapping (not a list, not a scalar). */
export function isMapping(value: unknown): value is Mapping {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Whether a patch (or a list item of one) is `$patch: delete`. */
export function isDeleteDirective(patch: unknown): boolean {
  return isMapping(patch) && patch['$patch'] === 'delete';
}

/**
 * `target` with a strategic merge `patch` applied (a new object): mappings merge, `null` removes a
 * key, merge-keyed lists merge by key (`$patch: delete` removes an item), other lists are replaced.
 */
export function strategicMerge(target: Mapping, patch: Mapping): Mapping {
  const merged: Mapping = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch') throw new Error(`strategic merge: unsupported $patch: ${String(value)}`);
    const current = merged[key];
    const mergeKey = MERGE_KEYS[key];
    if (value === null) delete merged[key];
    else if (isMapping(value) && isMapping(current)) merged[key] = strategicMerge(current, value);
    else if (Array.isArray(value) && mergeKey && Array.isArray(current))
      merged[key] = mergeList(current, value, mergeKey, key);
    else merged[key] = withoutNulls(value);
  }
  return merged;
}

/**
 * Items the patch names come first, in the patch's order (merged with the item they name, or new),
 * then the target's other items in their order: what kustomize's merge of a keyed list gives.
 */
function mergeList(target: unknown[], patch: unknown[], mergeKey: string, field: string) {
  const keyOf = (item: unknown) => (isMapping(item) ? item[mergeKey] : undefined);
  const named = new Set(patch.map(keyOf));
  const merged: unknown[] = [];
  for (const item of patch) {
    if (!isMapping(item) || item[mergeKey] === undefined)
      throw new Error(`strategic merge: every item of ${field} needs its ${mergeKey}`);
    if (isDeleteDirective(item)) continue;
    const existing = target.find((t) => keyOf(t) === item[mergeKey]);
    merged.push(isMapping(existing) ? strategicMerge(existing, item) : withoutNulls(item));
  }
  return [...merged, ...target.filter((t) => !named.has(keyOf(t)))];
}

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isMapping(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}
