import { existsSync } from 'node:fs';
import { resolveInterpreter } from './resolve-interpreter';

describe('resolveInterpreter', () => {
  it('finds zsh at /bin/zsh or on PATH and caches it', async () => {
    const first = await resolveInterpreter(undefined, '/usr/bin:/bin', false);
    expect(first?.zshPath).toMatch(/\/zsh$/);
    expect(first?.setprivPath).toBeNull();
    expect(await resolveInterpreter(undefined, '/usr/bin:/bin', false)).toEqual(first);
  });

  it('returns null when an explicit zsh path does not exist', async () => {
    expect(await resolveInterpreter('/nonexistent/zsh', '/usr/bin', false)).toBeNull();
  });

  it('probes setpriv --pdeathsig once when asked', async () => {
    const result = await resolveInterpreter(undefined, '/usr/bin:/bin', true);
    const expected = existsSync('/usr/bin/setpriv') ? '/usr/bin/setpriv' : null;
    expect(result?.setprivPath).toBe(expected);
    expect((await resolveInterpreter(undefined, '/usr/bin:/bin', true))?.setprivPath).toBe(
      expected,
    );
  });
});
