import { pythonJsonDumps } from './python-json-dumps';

describe('pythonJsonDumps (Python json.dumps defaults)', () => {
  it('separates list items with ", " like the reference recursion stack', () => {
    expect(pythonJsonDumps(['A.md', 'EnvProbe.md'])).toBe('["A.md", "EnvProbe.md"]');
    expect(pythonJsonDumps([])).toBe('[]');
  });

  it('escapes everything outside printable ASCII as lowercase \\uXXXX (ensure_ascii)', () => {
    expect(pythonJsonDumps(['é.md', '😀', 'a\u007fb', 'tab\t'])).toBe(
      '["\\u00e9.md", "\\ud83d\\ude00", "a\\u007fb", "tab\\t"]',
    );
  });

  it('writes objects with ": " and keeps insertion order', () => {
    expect(pythonJsonDumps({ b: 1, a: [true, null, 'x'] })).toBe(
      '{"b": 1, "a": [true, null, "x"]}',
    );
  });

  it('writes special numbers like Python', () => {
    expect(
      pythonJsonDumps([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5]),
    ).toBe('[NaN, Infinity, -Infinity, 1.5]');
    expect(pythonJsonDumps(undefined)).toBe('null');
    expect(pythonJsonDumps(false)).toBe('false');
    expect(pythonJsonDumps(10n)).toBe('10');
    expect(pythonJsonDumps(Symbol.for('s'))).toBe('null');
  });
});
