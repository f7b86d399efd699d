/**
 * Turns one raw token claim into the list of values RBAC compares against.
 *
 * - `null`/`undefined` (claim absent) → `null`
 * - a string → split on `,`, each part trimmed, empty parts dropped
 * - an array → each item stringified and trimmed, `null`/`undefined`/empty items dropped
 *   (items are not split on commas: a list is taken as the issuer wrote it)
 * - any other value → a single stringified value (`123` → `"123"`, `true` → `"true"`,
 *   objects as compact JSON)
 */
export function toClaimValues(value: unknown): string[] | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return stringClaimValues(value);
  if (Array.isArray(value)) return listClaimValues(value);
  return [stringifyClaimItem(value).trim()];
}

/** The values of a comma-separated claim string: split, trimmed, empty parts dropped. */
export function stringClaimValues(text: string): string[] {
  return splitCommaList(text).filter(isNonEmpty);
}

/** The values of a list claim: items stringified and trimmed, null/undefined/empty items dropped. */
export function listClaimValues(items: readonly unknown[]): string[] {
  return items
    .filter((item) => item !== null && item !== undefined)
    .map((item) => stringifyClaimItem(item).trim())
    .filter(isNonEmpty);
}

/** Splits a comma-separated list and trims every part, keeping empty parts (`"sre,"` → `["sre", ""]`). */
export function splitCommaList(text: string): string[] {
  return text.split(',').map((part) => part.trim());
}

function isNonEmpty(text: string): boolean {
  return text !== '';
}

function stringifyClaimItem(item: unknown): string {
  switch (typeof item) {
    case 'string':
      return item;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(item);
    case 'object':
      return stringifyObject(item);
    default:
      // symbols and functions never come out of a decoded JWT; name them rather than crash.
      return typeof item === 'symbol' ? item.toString() : typeof item;
  }
}

function stringifyObject(item: object | null): string {
  // null never reaches here: toClaimValues and listClaimValues filter it out first.
  try {
    return JSON.stringify(item);
  } catch {
    // cyclic or BigInt-holding structures cannot come from JSON, but never throw on a claim.
    return Object.prototype.toString.call(item);
  }
}
