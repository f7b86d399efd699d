import {
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  mkdirSync,
  chmodSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isCliError } from './cli-error';
import { ConfigStore, configFilePath, normalizeApiUrl, sameApiUrl } from './config-store';

describe('configFilePath', () => {
  it('uses XDG_CONFIG_HOME when it is absolute, else ~/.config', () => {
    expect(configFilePath({ XDG_CONFIG_HOME: '/x/conf' }, '/home/me')).toBe(
      '/x/conf/runbook/config.json',
    );
    expect(configFilePath({}, '/home/me')).toBe('/home/me/.config/runbook/config.json');
    expect(configFilePath({ XDG_CONFIG_HOME: 'relative' }, '/home/me')).toBe(
      '/home/me/.config/runbook/config.json',
    );
  });
});

describe('ConfigStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'runbook-cli-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the login with file mode 0600 in a 0700 folder and reads it back', () => {
    const store = new ConfigStore(join(dir, 'conf', 'runbook', 'config.json'));
    expect(store.read()).toBeNull();
    const login = {
      api_url: 'http://localhost:8083',
      token: 'a.b.c',
      expires_at: '2030-01-01T00:00:00+00:00',
    };
    store.write(login);
    expect(store.read()).toEqual(login);
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(store.file)).mode & 0o777).toBe(0o700);
    store.write({ ...login, token: 'd.e.f' });
    expect(store.read()?.token).toBe('d.e.f');
    expect(readFileSync(store.file, 'utf8')).toContain('"api_url": "http://localhost:8083"');
  });

  it('tightens an existing folder to 0700', () => {
    const folder = join(dir, 'runbook');
    mkdirSync(folder, { mode: 0o755 });
    chmodSync(folder, 0o755);
    new ConfigStore(join(folder, 'config.json')).write({
      api_url: 'http://x',
      token: 't',
      expires_at: null,
    });
    expect(statSync(folder).mode & 0o777).toBe(0o700);
  });

  it('reports unreadable files as config errors', () => {
    const file = join(dir, 'config.json');
    writeFileSync(file, '{not json');
    expect(() => new ConfigStore(file).read()).toThrow(/not valid JSON/);
    writeFileSync(file, '{"token": 1}');
    try {
      new ConfigStore(file).read();
      throw new Error('expected a failure');
    } catch (error) {
      expect(isCliError(error, 'CONFIG')).toBe(true);
    }
  });

  it('clears the login', () => {
    const store = new ConfigStore(join(dir, 'config.json'));
    expect(store.clear()).toBe(false);
    store.write({ api_url: 'http://x', token: 't', expires_at: null });
    expect(store.clear()).toBe(true);
    expect(store.read()).toBeNull();
  });
});

describe('sameApiUrl', () => {
  it('ignores trailing slashes and case of scheme and host', () => {
    expect(sameApiUrl('HTTP://LocalHost:8083/', 'http://localhost:8083')).toBe(true);
    expect(sameApiUrl('http://localhost:8083', 'http://localhost:8084')).toBe(false);
    expect(normalizeApiUrl('not a url/')).toBe('not a url');
  });
});
