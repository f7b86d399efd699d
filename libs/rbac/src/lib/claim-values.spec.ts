import { splitCommaList, toClaimValues } from './claim-values';

describe('toClaimValues', () => {
  it.each<[string, unknown, string[] | null]>([
    ['absent (undefined)', undefined, null],
    ['explicit null', null, null],
    ['single string', 'sre', ['sre']],
    ['comma string, trimmed', 'sre, api ,ux', ['sre', 'api', 'ux']],
    ['comma string with empty parts', 'sre,, ,api,', ['sre', 'api']],
    ['empty string', '', []],
    ['whitespace string', '   ', []],
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
    expect(toClaimValues(value)).toEqual(expected);
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
  ])('%j', (text, expected) => {
    expect(splitCommaList(text)).toEqual(expected);
  });
});
