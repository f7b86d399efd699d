import type { AppError } from '../errors/app-error';
import { readEnvVars, readLabels } from './request-body';

const messageOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as AppError).message;
  }
  return 'no error';
};

describe('readEnvVars', () => {
  it('reads strings, stringifies numbers and booleans, null as empty', () => {
    expect(readEnvVars({ env_vars: { A: 'a', N: 5, B: true, Z: null } })).toEqual({
      A: 'a',
      N: '5',
      B: 'true',
      Z: '',
    });
    expect(readEnvVars(undefined)).toEqual({});
    expect(readEnvVars({})).toEqual({});
  });

  it('refuses non-objects and nested values', () => {
    expect(messageOf(() => readEnvVars({ env_vars: ['A'] }))).toBe(
      'env_vars must be an object mapping names to values',
    );
    expect(messageOf(() => readEnvVars('text'))).toBe(
      'body must be an object mapping names to values',
    );
    expect(messageOf(() => readEnvVars({ env_vars: { A: { x: 1 } } }))).toBe(
      'env_vars.A must be a string',
    );
  });

  it.each<[string, string]>([
    ['', ''],
    ['A=B', 'A=B'],
    ['A\nB', 'A\\u000aB'],
    ['A\u0000', 'A\\u0000'],
    ['X'.repeat(257), 'X'.repeat(257)],
  ])('refuses the name %j with the executor text', (name, shown) => {
    expect(messageOf(() => readEnvVars({ env_vars: { [name]: 'v' } }))).toBe(
      `ERROR: Invalid environment variable name: ${shown}`,
    );
  });
});

describe('readLabels', () => {
  it('reads a flat map with safe names', () => {
    expect(readLabels({ labels: { env: 'prod', 'team.name': 'a', n: 1 } })).toEqual({
      env: 'prod',
      'team.name': 'a',
      n: '1',
    });
  });

  it('refuses bad names and too many labels', () => {
    expect(messageOf(() => readLabels({ labels: { 'a b': 'x' } }))).toBe(
      'Invalid label name: "a b"',
    );
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`l${i}`, 'v']));
    expect(messageOf(() => readLabels({ labels: many }))).toBe('At most 32 labels are allowed');
  });
});
