import { RequestDetailsCipher } from './request-details-cipher';

describe('RequestDetailsCipher', () => {
  const details = JSON.stringify({ envVars: { DB_PASSWORD: 'very-secret-value' }, token: 't' });

  it('seals so that the entry holds nothing in clear, and opens it again for the same run', () => {
    const cipher = new RequestDetailsCipher('jwt-secret-of-the-cluster');
    const sealed = cipher.seal('run-1', details);
    expect(sealed.startsWith('v1:')).toBe(true);
    expect(sealed).not.toContain('very-secret-value');
    expect(Buffer.from(sealed.slice(3), 'base64').toString('latin1')).not.toContain('very-secret');
    expect(cipher.seal('run-1', details)).not.toBe(sealed);
    expect(new RequestDetailsCipher('jwt-secret-of-the-cluster').open('run-1', sealed)).toBe(
      details,
    );
  });

  it('refuses another key, another run, a changed entry and clear text', () => {
    const cipher = new RequestDetailsCipher('key-a');
    const sealed = cipher.seal('run-1', details);
    expect(new RequestDetailsCipher('key-b').open('run-1', sealed)).toBeNull();
    expect(cipher.open('run-2', sealed)).toBeNull();
    const bytes = Buffer.from(sealed.slice(3), 'base64');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    expect(cipher.open('run-1', `v1:${bytes.toString('base64')}`)).toBeNull();
    expect(cipher.open('run-1', details)).toBeNull();
    expect(cipher.open('run-1', 'v1:AAAA')).toBeNull();
  });
});
