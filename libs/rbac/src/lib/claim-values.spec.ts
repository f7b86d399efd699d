import { hasHiddenCharacters, splitCommaList, toClaimValues, trimAsciiSpace } from './claim-values';

describe('toClaimValues of a single-valued claim', () => {
  it.each<[string, unknown, string[] | null]>([
    ['absent', undefined, null],
    ['a string exactly as issued', ' Mallory, Alice ', [' Mallory, Alice ']],
    ['an empty string', '', []],
    ['a number', 42, ['42']],
    ['a list as JSON', ['a', 'b'], ['["a","b"]']],
  ])('%s', (_label, value, expected) => {
    expect(toClaimValues(value)).toEqual(expected);
  });
});

describe('hasHiddenCharacters', () => {
  it.each([
    '\u00a0',
    '\ufeff',
    '\u200b',
    '\u200d',
    '\u2028',
    '\u202e',
    '\u3000',
    '\u3164',
    '\u0000',
    '\t',
    '\ufe0f',
  ])('finds %j', (char) => {
    expect(hasHiddenCharacters(`ad${char}min`)).toBe(true);
  });

  it('accepts ASCII spaces and visible Unicode', () => {
    expect(hasHiddenCharacters('Alice Admin')).toBe(false);
    expect(hasHiddenCharacters('Zoë Ünal, 管理者')).toBe(false);
  });
});

describe('trimAsciiSpace', () => {
  it('trims spaces and tabs only', () => {
    expect(trimAsciiSpace(' \tsre\t ')).toBe('sre');
    expect(trimAsciiSpace('\u00a0sre\ufeff')).toBe('\u00a0sre\ufeff');
  });
});

describe('toClaimValues of a multi-valued claim', () => {
  it.each<[string, unknown, string[] | null]>([
    ['absent (undefined)', undefined, null],
    ['explicit null', null, null],
    ['single string', 'sre', ['sre']],
    ['Unicode spaces are not trimmed', '\u00a0sre\u2003', ['\u00a0sre\u2003']],
    ['comma string, trimmed', 'sre, api ,ux', ['sre', 'api', 'ux']],
    ['comma string with empty parts', 'sre,, ,api,', ['sre', 'api']],
    ['empty string', '', []],
    ['ASCII whitespace string', ' \t ', []],
    ['list kept in order', ['api', 'sre'], ['api', 'sre']],
    ['list items are not split on commas', ['sre,api'], ['sre,api']],
    ['list items trimmed, empties dropped', [' sre ', '', '  '], ['sre']],
    ['list numbers and booleans stringified', [123, true, 1.5], ['123', 'true', '1.5']],
    ['list drops null and undefined items', [null, 'sre', undefined], ['sre']],
    ['list object item as JSON', [{ a: 1 }], ['{"a":1}']],
    ['empty list', [], []],
    ['number', 123, ['123']],
    ['zero', 0, ['0']],
    ['boolean', false, ['false']],
    ['bigint', 10n, ['10']],
    ['object as compact JSON', { realm: 'x' }, ['{"realm":"x"}']],
  ])('%s', (_label, value, expected) => {
    expect(toClaimValues(value, true)).toEqual(expected);
  });

  it('never throws on values JSON cannot encode', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(toClaimValues(cyclic)).toEqual(['[object Object]']);
    expect(toClaimValues({ big: 1n })).toEqual(['[object Object]']);
    expect(toClaimValues(Symbol('x'))).toEqual(['Symbol(x)']);
    expect(toClaimValues(() => 1)).toEqual(['function']);
  });
});

describe('splitCommaList', () => {
  it.each<[string, string[]]>([
    ['sre, api', ['sre', 'api']],
    ['sre', ['sre']],
    ['', ['']],
    ['sre,', ['sre', '']],
    [' a ,b , c', ['a', 'b', 'c']],
    ['\u00a0a', ['\u00a0a']],
  ])('%j', (text, expected) => {
    expect(splitCommaList(text)).toEqual(expected);
  });
});
