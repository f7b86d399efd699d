import { escapeControlChars } from './escape-control-chars';

describe('escapeControlChars', () => {
  it.each<[string, string]>([
    ['alice', 'alice'],
    ['a\nINFO forged', 'a\\u000aINFO forged'],
    ['a\r\u0000\u001b[31m', 'a\\u000d\\u0000\\u001b[31m'],
    ['x\u2028y\u0085', 'x\\u2028y\\u0085'],
    ['Zoë 管理者', 'Zoë 管理者'],
  ])('%j', (input, expected) => {
    expect(escapeControlChars(input)).toBe(expected);
  });
});
