import { logLevelsFor } from './log-levels';

describe('logLevelsFor', () => {
  it('maps Python level names to Nest levels and everything more severe', () => {
    expect(logLevelsFor('INFO')).toEqual(['fatal', 'error', 'warn', 'log']);
    expect(logLevelsFor('debug')).toEqual(['fatal', 'error', 'warn', 'log', 'debug']);
    expect(logLevelsFor('WARNING')).toEqual(['fatal', 'error', 'warn']);
    expect(logLevelsFor('nonsense')).toEqual(['fatal', 'error', 'warn', 'log']);
  });
});
