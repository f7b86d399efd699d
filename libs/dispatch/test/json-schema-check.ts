// A small JSON Schema (draft-07) checker for the keywords docs/run-event.schema.json uses:
// type, required, properties, additionalProperties, enum, pattern, minimum, minLength, anyOf,
// $ref to #/definitions. Returns the list of violations (empty when the value conforms).

type Schema = {
  type?: string | string[];
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  minLength?: number;
  anyOf?: Schema[];
  $ref?: string;
  definitions?: Record<string, Schema>;
};

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Violations of `schema` by `value` (paths like `payload.status`). */
export function checkJsonSchema(root: Schema, value: unknown): string[] {
  const problems: string[] = [];
  const visit = (schema: Schema, current: unknown, path: string): void => {
    if (schema.$ref !== undefined) {
      const name = schema.$ref.replace('#/definitions/', '');
      const target = root.definitions?.[name];
      if (target === undefined) problems.push(`${path}: unknown $ref ${schema.$ref}`);
      else visit(target, current, path);
      return;
    }
    if (schema.anyOf !== undefined) {
      const fits = schema.anyOf.some((option) => {
        const before = problems.length;
        visit(option, current, path);
        const ok = problems.length === before;
        problems.length = before;
        return ok;
      });
      if (!fits) problems.push(`${path}: matches no anyOf option`);
      return;
    }
    if (schema.type !== undefined) {
      const allowed = Array.isArray(schema.type) ? schema.type : [schema.type];
      const actual = typeOf(current);
      if (!allowed.includes(actual) && !(actual === 'integer' && allowed.includes('number'))) {
        problems.push(`${path}: ${actual} is not ${allowed.join('|')}`);
        return;
      }
    }
    if (schema.enum !== undefined && !schema.enum.includes(current)) {
      problems.push(
        `${path}: ${JSON.stringify(current)} is not one of ${JSON.stringify(schema.enum)}`,
      );
    }
    if (typeof current === 'string') {
      if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(current)) {
        problems.push(`${path}: "${current}" does not match ${schema.pattern}`);
      }
      if (schema.minLength !== undefined && current.length < schema.minLength)
        problems.push(`${path}: too short`);
    }
    if (typeof current === 'number' && schema.minimum !== undefined && current < schema.minimum) {
      problems.push(`${path}: ${current} < ${schema.minimum}`);
    }
    if (typeOf(current) === 'object') {
      const object = current as Record<string, unknown>;
      for (const key of schema.required ?? []) {
        if (!(key in object)) problems.push(`${path}.${key}: missing`);
      }
      for (const [key, item] of Object.entries(object)) {
        const property = schema.properties?.[key];
        if (property !== undefined) visit(property, item, `${path}.${key}`);
        else if (schema.additionalProperties === false)
          problems.push(`${path}.${key}: not allowed`);
        else if (typeof schema.additionalProperties === 'object') {
          visit(schema.additionalProperties, item, `${path}.${key}`);
        }
      }
    }
  };
  visit(root, value, '$');
  return problems;
}
