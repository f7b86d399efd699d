/** One RFC 6902 operation, as kustomize's `patches` accept them (the subset our manifests use). */
export interface JsonPatchOperation {
  op: string;
  path: string;
  value?: unknown;
}

/** Applies `operations` (add, replace, remove) to `document` in place; throws on anything else. */
export function applyJsonPatch(document: unknown, operations: readonly JsonPatchOperation[]): void {
  for (const operation of operations) {
    const keys = operation.path.split('/').slice(1).map(unescapeToken);
    const last = keys.pop();
    if (last === undefined)
      throw new Error(`JSON patch: cannot ${operation.op} the whole document`);
    const parent = keys.reduce<unknown>((node, key) => child(node, key, operation.path), document);
    switch (operation.op) {
      case 'add':
        add(parent, last, operation);
        break;
      case 'replace':
        child(parent, last, operation.path);
        set(parent, last, operation.value);
        break;
      case 'remove':
        child(parent, last, operation.path);
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else delete (parent as Record<string, unknown>)[last];
        break;
      default:
        throw new Error(`JSON patch: unsupported op "${operation.op}" at ${operation.path}`);
    }
  }
}

function unescapeToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function child(node: unknown, key: string, path: string): unknown {
  const found =
    node !== null && typeof node === 'object'
      ? (node as Record<string, unknown>)[Array.isArray(node) ? Number(key) : key]
      : undefined;
  if (found === undefined) throw new Error(`JSON patch: ${path} does not exist`);
  return found;
}

function add(parent: unknown, key: string, operation: JsonPatchOperation): void {
  if (!Array.isArray(parent)) return set(parent, key, operation.value);
  const index = key === '-' ? parent.length : Number(key);
  if (!Number.isInteger(index) || index < 0 || index > parent.length)
    throw new Error(`JSON patch: ${operation.path} is outside the list`);
  parent.splice(index, 0, operation.value);
}

function set(parent: unknown, key: string, value: unknown): void {
  if (Array.isArray(parent)) parent[Number(key)] = value;
  else (parent as Record<string, unknown>)[key] = value;
}
