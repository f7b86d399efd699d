import { InMemoryValues } from './in-memory-values';
import { RequestDetailsCipher } from './request-details-cipher';
import { SealedValues } from './sealed-values';

describe('SealedValues', () => {
  it('stores only sealed text and reads the value back for the same run', async () => {
    const store = new InMemoryValues<string>();
    const values = new SealedValues<{ password: string }>(store, new RequestDetailsCipher('k'));
    await values.set('run-1', { password: 'sealed-password-1' }, 60_000);
    const raw = await store.get('run-1');
    expect(raw?.startsWith('v1:')).toBe(true);
    expect(raw).not.toContain('sealed-password-1');
    await expect(values.get('run-1')).resolves.toEqual({ password: 'sealed-password-1' });
    // Moved to another run's key, the entry does not open.
    await store.set('run-2', raw ?? '', 60_000);
    await expect(values.get('run-2')).resolves.toBeNull();
    await values.delete('run-1');
    await expect(values.get('run-1')).resolves.toBeNull();
  });
});
