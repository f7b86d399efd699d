import { parseEnvFile } from './env-file';

describe('parseEnvFile', () => {
  it('reads plain, exported, quoted and commented lines', () => {
    const text = [
      '\ufeff# comment',
      '',
      'A=plain value  # trailing comment',
      'export B=exported',
      "C='single # not a comment $HOME'",
      'D="double\\tquoted \\"x\\"\\n"',
      'E=',
      'F = spaced',
      'G=a#b',
    ].join('\r\n');
    expect(parseEnvFile(text, '.env')).toEqual({
      A: 'plain value',
      B: 'exported',
      C: 'single # not a comment $HOME',
      D: 'double\tquoted "x"\n',
      E: '',
      F: 'spaced',
      G: 'a#b',
    });
  });

  it('lets a double-quoted value span lines', () => {
    expect(parseEnvFile('KEY="line 1\nline 2"\nNEXT=1\n', 'f')).toEqual({
      KEY: 'line 1\nline 2',
      NEXT: '1',
    });
  });

  it('names file and line in errors', () => {
    expect(() => parseEnvFile('OK=1\nnot an assignment\n', 'vars.env')).toThrow(
      'vars.env:2: expected NAME=value',
    );
    expect(() => parseEnvFile('BAD-NAME=1', 'e')).toThrow(
      "e:1: 'BAD-NAME' is not a valid variable name",
    );
    expect(() => parseEnvFile("A='open", 'e')).toThrow('e:1: unterminated single-quoted value');
    expect(() => parseEnvFile('A="open\nstill', 'e')).toThrow('unterminated double-quoted value');
    expect(() => parseEnvFile('A="x" y', 'e')).toThrow(
      'e:1: unexpected text after the quoted value',
    );
  });
});
