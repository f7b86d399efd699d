/**
 * Python `str()` of a JSON value, as the reference applies to `env_vars` values:
 * `null` → `""`, `true` → `"True"`, `5` → `"5"`, lists and dicts → their Python repr.
 */
export function pythonStr(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  return pythonRepr(value);
}

/** Python `repr()` of a JSON-like value (strings quoted, `True`/`False`/`None`, `[..]`, `{..}`). */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') return reprString(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return reprNumber(value);
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map((item) => pythonRepr(item)).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([k, v]) => `${reprString(k)}: ${pythonRepr(v)}`).join(', ')}}`;
  }
  // Only symbols and functions are left; neither occurs in JSON.
  return typeof value === 'symbol' ? value.toString() : '<function>';
}

/** Python number repr: integers as digits, floats in shortest form with Python's exponent rules. */
function reprNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  // Safe integers are taken as JSON ints (JavaScript cannot tell `5` from `5.0`); larger ones
  // lost their digits already and are written as Python writes a float.
  if (Number.isSafeInteger(n)) return String(n);
  // Shortest round-trip digits; Python switches to exponent form when exp < -4 or exp >= 16.
  const [mantissa = '0', expText = '0'] = n.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const sign = exp < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const fixed = String(n);
  return fixed.includes('.') ? fixed : `${fixed}.0`;
}

/** Python `repr(str)`: single quotes unless the text has `'` and no `"`; escapes like CPython. */
function reprString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || (code >= 0x7f && code <= 0xa0) || code === 0xad) {
      out += `\\x${code.toString(16).padStart(2, '0')}`;
    } else out += ch;
  }
  return out + quote;
}
