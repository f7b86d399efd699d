/** Claims that always hold a list of values (a JSON list, or a comma-separated string). */
export const ALWAYS_MULTI_VALUED_CLAIMS: readonly string[] = ['roles'];

/**
 * Characters that make a claim value unmatchable: control characters, invisible formatting
 * characters (zero-width space/joiners, BOM, bidi controls, soft hyphen, …), line/paragraph
 * separators, and every space character except the plain ASCII space (NBSP, en/em spaces,
 * ideographic space, …), plus fillers that render as nothing (Hangul fillers, variation
 * selectors, combining grapheme joiner).
 */
const HIDDEN_CHARACTER =
  /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u115f\u1160\u3164\uffa0]|\u034f|[\ufe00-\ufe0f]|(?! )\p{Zs}/u;

/** Whether a value holds a character a person cannot see or tell from a space (never matches). */
export function hasHiddenCharacters(text: string): boolean {
  return HIDDEN_CHARACTER.test(text);
}

/** Removes ASCII spaces and tabs (only those) from both ends: Unicode spaces are kept, and refused. */
export function trimAsciiSpace(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, '');
}

/**
 * Turns one raw token claim into the list of values RBAC compares against.
 *
 * - `null`/`undefined` (claim absent) → `null`
 * - a multi-valued claim (`roles`, or one named in `multiValued`): a string is split on `,`
 *   and each part trimmed of ASCII spaces and tabs; a list gives its items (stringified, trimmed
 *   the same way, not split); empty values dropped
 * - any other claim is one value taken exactly as issued: a string as is (no split, no trim),
 *   a number or boolean in its string form; a list or an object in compact JSON (which no
 *   required value equals)
 */
export function toClaimValues(value: unknown, multiValued = false): string[] | null {
  if (value === null || value === undefined) return null;
  if (multiValued) {
    if (typeof value === 'string') return stringClaimValues(value);
    if (Array.isArray(value)) return listClaimValues(value);
  }
  if (typeof value === 'string') return value === '' ? [] : [value];
  return [stringifyClaimItem(value)];
}

/** The values of a comma-separated claim string: split, ASCII-trimmed, empty parts dropped. */
export function stringClaimValues(text: string): string[] {
  return splitCommaList(text).filter(isNonEmpty);
}

/** The values of a list claim: items stringified and ASCII-trimmed, null/undefined/empty dropped. */
export function listClaimValues(items: readonly unknown[]): string[] {
  return items
    .filter((item) => item !== null && item !== undefined)
    .map((item) => trimAsciiSpace(stringifyClaimItem(item)))
    .filter(isNonEmpty);
}

/**
 * Splits a comma-separated list and trims ASCII spaces and tabs from every part, keeping empty
 * parts (`"sre,"` → `["sre", ""]`).
 */
export function splitCommaList(text: string): string[] {
  return text.split(',').map(trimAsciiSpace);
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
