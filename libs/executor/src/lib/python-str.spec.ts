import { pythonRepr, pythonStr } from './python-str';

describe('pythonStr (Python str() of env_vars values)', () => {
  it.each([
    ['text', 'text'],
    [null, ''],
    [undefined, ''],
    [true, 'True'],
    [false, 'False'],
    [5, '5'],
    [-12, '-12'],
    [1.5, '1.5'],
    [0.0001, '0.0001'],
    [1e-5, '1e-05'],
    [-2.5e-7, '-2.5e-07'],
    [1.5e16, '1.5e+16'],
    [2 ** 53 + 2, '9007199254740994.0'],
    [123.456, '123.456'],
    [[1, 'x', null, true], "[1, 'x', None, True]"],
    [{ k: 1.5, n: null }, "{'k': 1.5, 'n': None}"],
    [[], '[]'],
    [{}, '{}'],
  ])('%p -> %p', (value, expected) => {
    expect(pythonStr(value)).toBe(expected);
  });

  it('writes floats outside the fixed range with a two-digit exponent', () => {
    expect(pythonRepr(1.5e300)).toBe('1.5e+300');
    expect(pythonRepr(Number.NaN)).toBe('nan');
    expect(pythonRepr(Number.POSITIVE_INFINITY)).toBe('inf');
    expect(pythonRepr(Number.NEGATIVE_INFINITY)).toBe('-inf');
    expect(pythonRepr(10n)).toBe('10');
  });

  it('quotes and escapes strings like CPython repr', () => {
    expect(pythonRepr("a'b")).toBe(`"a'b"`);
    expect(pythonRepr(`a'b"c`)).toBe(`'a\\'b"c'`);
    expect(pythonRepr('back\\slash')).toBe("'back\\\\slash'");
    expect(pythonRepr('l1\nl2\r\t')).toBe("'l1\\nl2\\r\\t'");
    expect(pythonRepr('\u0001\u007f\u00a0\u00ad')).toBe("'\\x01\\x7f\\xa0\\xad'");
    expect(pythonRepr('héllo ✓')).toBe("'héllo ✓'");
  });

  it('falls back to String() for other values', () => {
    expect(pythonStr(Symbol.for('s'))).toBe('Symbol(s)');
  });
});
