import { createHash } from 'node:crypto';

import type { ConcurrencyPolicy, EnvRequirement } from '@runbooks/runbook-format';

import { sharedLocks, slotsOf } from './concurrency-slots';

function policy(overrides: Partial<ConcurrencyPolicy>): ConcurrencyPolicy {
  return { limit: null, key: null, onLimit: 'queue', maxQueued: 100, locks: [], ...overrides };
}

function variable(name: string, overrides: Partial<EnvRequirement> = {}): EnvRequirement {
  return {
    name,
    description: name,
    line: 1,
    type: 'string',
    enum: null,
    pattern: null,
    minimum: null,
    maximum: null,
    default: null,
    required: false,
    secret: false,
    from: null,
    ...overrides,
  };
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('slotsOf', () => {
  it('gives no slots without a Concurrency section', () => {
    expect(slotsOf('Deploy.md', null, { TARGET: 'prod' }, [variable('TARGET')])).toEqual([]);
  });

  it('gives one runbook-wide slot for a limit without a key', () => {
    expect(slotsOf('Deploy.md', policy({ limit: 3 }), {}, null)).toEqual([
      { key: 'limit:Deploy.md', limit: 3, label: 'concurrency limit 3 of Deploy.md' },
    ]);
  });

  it('keys the limit by the value of the key variable, so values do not share a slot', () => {
    const limit = policy({ limit: 1, key: 'TARGET' });
    const environment = [variable('TARGET')];
    const prod = slotsOf('Deploy.md', limit, { TARGET: 'prod' }, environment);
    const staging = slotsOf('Deploy.md', limit, { TARGET: 'staging' }, environment);
    expect(prod).toEqual([
      {
        key: 'limit:Deploy.md:TARGET=prod',
        limit: 1,
        label: 'concurrency limit 1 of Deploy.md for TARGET=prod',
      },
    ]);
    expect(staging[0]?.key).toBe('limit:Deploy.md:TARGET=staging');
    expect(prod[0]?.key).not.toBe(staging[0]?.key);
  });

  it('counts a run without the key value under its declared default, else the empty value', () => {
    const limit = policy({ limit: 2, key: 'TARGET' });
    const withDefault = slotsOf('D.md', limit, {}, [variable('TARGET', { default: 'staging' })]);
    expect(withDefault[0]?.key).toBe('limit:D.md:TARGET=staging');
    const numeric = slotsOf('D.md', limit, {}, [variable('TARGET', { default: 0 })]);
    expect(numeric[0]?.key).toBe('limit:D.md:TARGET=0');
    const none = slotsOf('D.md', limit, {}, [variable('TARGET')]);
    expect(none[0]?.key).toBe('limit:D.md:TARGET=');
    expect(slotsOf('D.md', limit, {}, null)[0]?.key).toBe('limit:D.md:TARGET=');
    // A given value wins over the default, even an empty one.
    const given = slotsOf('D.md', limit, { TARGET: '' }, [
      variable('TARGET', { default: 'staging' }),
    ]);
    expect(given[0]?.key).toBe('limit:D.md:TARGET=');
  });

  it('never shows a secret key value: the key holds its hash and the label ***', () => {
    const [slot] = slotsOf('D.md', policy({ limit: 1, key: 'TOKEN' }), { TOKEN: 's3cret' }, [
      variable('TOKEN', { secret: true }),
    ]);
    expect(slot?.key).toBe(`limit:D.md:TOKEN=sha256:${sha('s3cret')}`);
    expect(slot?.label).toBe('concurrency limit 1 of D.md for TOKEN=***');
    expect(JSON.stringify(slot)).not.toContain('s3cret');
  });

  it('names a long key value by its hash, so different long values stay apart', () => {
    const long = 'x'.repeat(81);
    const other = `${'x'.repeat(80)}y`;
    const limit = policy({ limit: 1, key: 'TARGET' });
    const [slot] = slotsOf('D.md', limit, { TARGET: long }, [variable('TARGET')]);
    const [otherSlot] = slotsOf('D.md', limit, { TARGET: other }, [variable('TARGET')]);
    expect(slot?.key).toBe(`limit:D.md:TARGET=sha256:${sha(long)}`);
    expect(slot?.label).toBe(`concurrency limit 1 of D.md for TARGET=${'x'.repeat(80)}…`);
    expect(otherSlot?.key).not.toBe(slot?.key);
    // 80 characters are still shown as written.
    const [edge] = slotsOf('D.md', limit, { TARGET: 'y'.repeat(80) }, [variable('TARGET')]);
    expect(edge?.key).toBe(`limit:D.md:TARGET=${'y'.repeat(80)}`);
  });

  it('adds one slot of limit 1 per lock, shared by every runbook naming it', () => {
    const a = slotsOf('A.md', policy({ locks: ['prod-db', 'dns'] }), {}, null);
    const b = slotsOf('B.md', policy({ locks: ['prod-db'] }), {}, null);
    expect(a).toEqual([
      { key: 'lock:prod-db', limit: 1, label: 'lock prod-db' },
      { key: 'lock:dns', limit: 1, label: 'lock dns' },
    ]);
    expect(b[0]?.key).toBe(a[0]?.key);
  });

  it('gives the limit first, then the locks, when a section has both', () => {
    const slots = slotsOf('A.md', policy({ limit: 2, locks: ['prod-db'] }), {}, null);
    expect(slots.map((slot) => slot.key)).toEqual(['limit:A.md', 'lock:prod-db']);
  });
});

describe('sharedLocks', () => {
  it('lists the locks already held, in the order asked', () => {
    expect(sharedLocks(['dns', 'prod-db', 'cache'], new Set(['prod-db', 'dns']))).toEqual([
      'dns',
      'prod-db',
    ]);
    expect(sharedLocks(['dns'], new Set())).toEqual([]);
    // Lock names are case-sensitive.
    expect(sharedLocks(['DNS'], new Set(['dns']))).toEqual([]);
  });
});
