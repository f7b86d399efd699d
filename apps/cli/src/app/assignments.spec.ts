import { collect, parseEnvAssignments, parseLabels } from './assignments';
import { isCliError } from './cli-error';

describe('parseEnvAssignments', () => {
  it('reads NAME=value, keeps = in values and lets later values win', () => {
    expect(parseEnvAssignments(['A=1', 'B=x=y', 'A=2', 'EMPTY='], {})).toEqual({
      A: '2',
      B: 'x=y',
      EMPTY: '',
    });
  });

  it('takes a bare NAME from the environment', () => {
    expect(parseEnvAssignments(['HOME_DIR'], { HOME_DIR: '/home/me' })).toEqual({
      HOME_DIR: '/home/me',
    });
  });

  it('rejects unknown bare names and invalid names as usage errors', () => {
    expect(() => parseEnvAssignments(['NOPE'], {})).toThrow(/NOPE is not set/);
    for (const bad of ['BAD-NAME=1', '1X=2', '=3']) {
      try {
        parseEnvAssignments([bad], {});
        throw new Error('expected a failure');
      } catch (error) {
        expect(isCliError(error, 'USAGE')).toBe(true);
        expect((error as Error).message).toContain('not a valid variable name');
      }
    }
  });
});

describe('parseLabels', () => {
  it('reads key=value pairs', () => {
    expect(parseLabels(['ticket=OPS-1', 'env=prod=eu'])).toEqual({
      ticket: 'OPS-1',
      env: 'prod=eu',
    });
  });

  it('rejects values without a key', () => {
    expect(() => parseLabels(['=x'])).toThrow(/expected key=value/);
    expect(() => parseLabels(['novalue'])).toThrow(/expected key=value/);
  });
});

describe('collect', () => {
  it('accumulates repeated option values', () => {
    expect(collect('b', collect('a'))).toEqual(['a', 'b']);
  });
});
