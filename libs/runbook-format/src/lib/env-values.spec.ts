import { checkEnvValues, resolveEnvValues, secretValuesOf } from './env-values';
import { legacyDeclaration } from './env-declaration';
import { computeRequiredEnv } from './required-env';
import type { EnvRequirement, Runbook } from './runbook';

function declare(name: string, fields: Partial<EnvRequirement> = {}): EnvRequirement {
  return { ...legacyDeclaration(name, `${name} description`, 1), ...fields };
}

const ENVIRONMENT: EnvRequirement[] = [
  declare('TARGET_ENV', { enum: ['staging', 'production'] }),
  declare('REPLICAS', { type: 'integer', minimum: 1, maximum: 10, default: 2 }),
  declare('TICKET', { pattern: '^CHG[0-9]{4,}$' }),
  declare('NOTE', { required: false }),
  declare('DB_PASSWORD', { secret: true }),
  declare('SIGNING_KEY', { secret: true, from: 'file:release-signing-key' }),
  declare('DRY_RUN', { type: 'boolean', default: false }),
  declare('RATIO', { type: 'number', minimum: 0 }),
];

const messages = (env: Record<string, string>, callerNames: string[] = Object.keys(env)) =>
  checkEnvValues(ENVIRONMENT, env, { callerNames }).map((d) => d.message);

describe('checkEnvValues', () => {
  it('reports every problem at once, in the reference style, without secret values', () => {
    expect(
      messages({
        TARGET_ENV: 'prod',
        REPLICAS: 'two',
        TICKET: 'CHG12',
        DB_PASSWORD: 'abc',
        SIGNING_KEY: 'mine',
        DRY_RUN: 'yes',
        RATIO: '-1.5',
      }),
    ).toEqual([
      "TARGET_ENV must be one of: staging, production (got 'prod')",
      "REPLICAS must be an integer between 1 and 10 (got 'two')",
      'TICKET does not match ^CHG[0-9]{4,}$',
      'DB_PASSWORD is too short to be masked safely: a secret needs at least 4 characters',
      'SIGNING_KEY is provided by the server (from: file:release-signing-key) and cannot be set by the caller',
      "DRY_RUN must be true or false (got 'yes')",
      "RATIO must be a number of at least 0 (got '-1.5')",
    ]);
  });

  it('accepts valid values; optional and defaulted variables may be absent', () => {
    expect(
      messages(
        {
          TARGET_ENV: 'staging',
          TICKET: 'CHG0042',
          DB_PASSWORD: 'long enough',
          SIGNING_KEY: 'from the server',
          DRY_RUN: 'TRUE',
          RATIO: '2.5e3',
        },
        ['TARGET_ENV', 'TICKET', 'DB_PASSWORD', 'DRY_RUN', 'RATIO'],
      ),
    ).toEqual([]);
  });

  it('names missing variables, and a from secret the server cannot provide', () => {
    expect(messages({ REPLICAS: '11' })).toEqual([
      'Required environment variable not set: TARGET_ENV',
      "REPLICAS must be an integer between 1 and 10 (got '11')",
      'Required environment variable not set: TICKET',
      'Required environment variable not set: DB_PASSWORD',
      'SIGNING_KEY is provided by the server (from: file:release-signing-key), but the server has no value for it',
      'Required environment variable not set: RATIO',
    ]);
  });

  it('never echoes a secret value, even when it breaks other rules', () => {
    const secret = declare('PIN', { secret: true, type: 'integer', enum: [1234, 5678] });
    const found = checkEnvValues([secret], { PIN: 'not-a-number-but-secret' });
    expect(found.map((d) => d.message)).toEqual(['PIN must be an integer']);
  });

  it('shows a wrong value escaped and cut, so it cannot forge lines', () => {
    const found = checkEnvValues([declare('E', { enum: ['a'] })], {
      E: `x\ny${'z'.repeat(100)}`,
    });
    expect(found[0]?.message).toBe(`E must be one of: a (got 'x\\u000ay${'z'.repeat(57)}…')`);
  });

  it('rejects integers written as decimals and numbers with spaces', () => {
    const found = checkEnvValues(
      [declare('I', { type: 'integer' }), declare('N', { type: 'number' })],
      { I: '1.0', N: ' 1' },
    );
    expect(found.map((d) => d.message)).toEqual([
      "I must be an integer (got '1.0')",
      "N must be a number (got ' 1')",
    ]);
  });
});

describe('resolveEnvValues and secretValuesOf', () => {
  it('applies defaults, normalises booleans, leaves absent optional variables out', () => {
    expect(
      resolveEnvValues(ENVIRONMENT, { TARGET_ENV: 'staging', DRY_RUN: 'True', NOTE: '' }),
    ).toEqual({ TARGET_ENV: 'staging', REPLICAS: '2', DRY_RUN: 'true', NOTE: '' });
    expect(resolveEnvValues(ENVIRONMENT, {})).toEqual({ REPLICAS: '2', DRY_RUN: 'false' });
  });

  it('lists the values of secret variables only', () => {
    expect(
      secretValuesOf(ENVIRONMENT, { DB_PASSWORD: 'pw-1234', SIGNING_KEY: 'key-5678', NOTE: 'x' }),
    ).toEqual(['pw-1234', 'key-5678']);
  });
});

describe('computeRequiredEnv with typed declarations', () => {
  it('lists every declaration with its typed fields; from secrets count as available', () => {
    const runbook = { environment: ENVIRONMENT } as Runbook;
    const { required, available, missing } = computeRequiredEnv(runbook, { TICKET: 'x' });
    expect(required).toHaveLength(ENVIRONMENT.length);
    expect(required[1]).toEqual({
      name: 'REPLICAS',
      description: 'REPLICAS description',
      type: 'integer',
      enum: null,
      pattern: null,
      minimum: 1,
      maximum: 10,
      default: 2,
      required: true,
      secret: false,
      from: null,
    });
    expect(available.map((v) => v.name)).toEqual(['TICKET', 'SIGNING_KEY']);
    expect(missing.map((v) => v.name)).not.toContain('SIGNING_KEY');
  });
});
