import { MASK, maskedFormsOf, SecretMasker } from './secret-masker';

/** Feeds `text` to a masker in pieces of `size` characters and returns everything it emitted. */
function maskInPieces(values: string[], text: string, size: number): string {
  const masker = new SecretMasker(values);
  let out = '';
  for (let index = 0; index < text.length; index += size) {
    out += masker.push(text.slice(index, index + size));
  }
  return out + masker.end();
}

const SECRET = 'hunter2-Pa$$w0rd';

describe('SecretMasker', () => {
  it('replaces a value in one piece', () => {
    expect(maskInPieces([SECRET], `user=admin password=${SECRET} ok\n`, 1000)).toBe(
      `user=admin password=${MASK} ok\n`,
    );
  });

  it('finds a value split across reads at every possible boundary', () => {
    const text = `a${SECRET}b${SECRET}${SECRET}\n`;
    for (let size = 1; size <= text.length; size += 1) {
      expect(maskInPieces([SECRET], text, size)).toBe(`a${MASK}b${MASK}${MASK}\n`);
    }
  });

  it('passes text through at once when no value could start in it', () => {
    const masker = new SecretMasker([SECRET]);
    expect(masker.push('progress 10%')).toBe('progress 10%');
    // Only the tail that could begin the value is held back, and released when it does not.
    expect(masker.push(' hunt')).toBe(' ');
    expect(masker.push('ing')).toBe('hunting');
    expect(masker.end()).toBe('');
  });

  it('masks a held-back tail at the end of the stream', () => {
    const masker = new SecretMasker(['abcd', 'abcdefgh']);
    expect(masker.push('x abcd')).toBe('x ');
    expect(masker.end()).toBe(MASK);
  });

  it('prefers the longest value when one value starts another', () => {
    expect(maskInPieces(['abcd', 'abcdefgh'], 'abcdefgh abcdX', 3)).toBe(`${MASK} ${MASK}X`);
  });

  it('masks each line of a multi-line value', () => {
    const key = '-----BEGIN KEY-----\nMIIEowIBAAKCAQEA1x\n-----END KEY-----';
    const printed = `key:\n${key}\nsecond line alone: MIIEowIBAAKCAQEA1x\n`;
    const out = maskInPieces([key], printed, 7);
    expect(out).not.toContain('MIIEowIBAAKCAQEA1x');
    expect(out).not.toContain('BEGIN KEY');
  });

  it('masks a value written with CRLF line ends after the output was normalised', () => {
    expect(maskInPieces(['line-one\r\nline-two'], 'line-one\nline-two\n', 4)).toBe(`${MASK}\n`);
  });

  it('masks base64 with and without padding, and inside longer base64 text', () => {
    const padded = Buffer.from(SECRET).toString('base64');
    const withNewline = Buffer.from(`${SECRET}\n`).toString('base64');
    const inside = Buffer.from(`user:${SECRET}`).toString('base64');
    const insideShifted = Buffer.from(`us:${SECRET}!`).toString('base64');
    const text = [padded, padded.replace(/=+$/, ''), withNewline, inside, insideShifted].join('\n');
    const out = maskInPieces([SECRET], text, 5);
    for (const form of [padded, withNewline, inside, insideShifted]) {
      // What is left of each encoded form says at most a few bits about the value.
      expect(out).not.toContain(form.slice(2, -4));
    }
    expect(out.split(MASK).length - 1).toBeGreaterThanOrEqual(5);
  });

  it('masks the encodeURIComponent and JSON-escaped forms', () => {
    const value = 'p@ss w/"quote"&more';
    const text = `url=${encodeURIComponent(value)} json=${JSON.stringify({ value })}`;
    const out = maskInPieces([value], text, 3);
    expect(out).toBe(`url=${MASK} json={"value":"${MASK}"}`);
  });

  it('ignores values under 4 characters and passes everything through without values', () => {
    expect(maskedFormsOf('abc')).toEqual([]);
    const masker = new SecretMasker(['abc', '']);
    expect(masker.isEmpty).toBe(true);
    expect(masker.push('abc abc')).toBe('abc abc');
  });

  it('treats regular expression characters in values literally', () => {
    expect(maskInPieces(['a.b*c+d(e)', '[x]{2}'], 'a.b*c+d(e) aXb [x]{2} xx', 2)).toBe(
      `${MASK} aXb ${MASK} xx`,
    );
  });

  it('keeps up with large output (10 MiB masked in well under two seconds)', () => {
    const masker = new SecretMasker([SECRET, 'another-secret-value']);
    const line = `${'x'.repeat(60)} ${SECRET} ${'y'.repeat(60)}\n`;
    const chunk = line.repeat(Math.ceil(65536 / line.length));
    const started = performance.now();
    let masked = 0;
    let total = 0;
    while (total < 10 * 1024 * 1024) {
      const out = masker.push(chunk);
      masked += out.split(MASK).length - 1;
      total += chunk.length;
    }
    masker.end();
    const elapsedMs = performance.now() - started;
    expect(masked).toBeGreaterThan(total / line.length - 2);
    expect(elapsedMs).toBeLessThan(2000);
  });
});
