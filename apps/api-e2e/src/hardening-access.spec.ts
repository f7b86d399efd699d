import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { RunbookContentResponse, RunbookListResponse } from '@runbooks/types';

import { startApi, stopAllServers, type ApiServer } from './support/api-server';
import { call } from './support/http-client';
import { runbookText } from './support/runbook-text';

const FENCE = '```';
const SECRET_OUTPUT = 'top-secret-output-4711';

/** A runnable runbook whose claims part is given as raw markdown. */
function withClaimsPart(name: string, claimsPart: string): string {
  return runbookText({ name, script: 'echo ran' }).replace('# Script', `${claimsPart}\n# Script`);
}

const CLAIMS_TYPOS: Record<string, string> = {
  'NoSpace.md': `#Required Claims\n${FENCE}yaml\nroles: admin\n${FENCE}\n`,
  'LowerCase.md': `# Required claims\n${FENCE}yaml\nroles: admin\n${FENCE}\n`,
  'Colon.md': `# Required Claims:\n${FENCE}yaml\nroles: admin\n${FENCE}\n`,
  'H2.md': `## Required Claims\n${FENCE}yaml\nroles: admin\n${FENCE}\n`,
  'Setext.md': `Required Claims\n===\n${FENCE}yaml\nroles: admin\n${FENCE}\n`,
  'Nbsp.md': `# Required\u00a0Claims\n${FENCE}yaml\nroles: admin\n${FENCE}\n`,
  'ZeroWidth.md': `# Required Claims\u200b\n${FENCE}yaml\nroles: admin\n${FENCE}\n`,
  'EmptyFirst.md': `# Required Claims\n\n# Required Claims\n${FENCE}yaml\nroles: admin\n${FENCE}\n`,
  'Proto.md': `# Required Claims\n${FENCE}yaml\n__proto__: [admin]\n${FENCE}\n`,
};

describe('hardening: who reads what, and claims that fail closed', () => {
  let server: ApiServer;
  let outside: string;

  beforeAll(async () => {
    outside = mkdtempSync(join(tmpdir(), 'runbooks-outside-'));
    const runbooks: Record<string, string> = {
      'Secret.md': runbookText({
        name: 'Secret',
        script: 'echo top-secret-output-$((4700 + 11))',
        claims: { roles: 'admin' },
      }),
      'NameGuard.md': runbookText({
        name: 'NameGuard',
        script: 'echo ok',
        claims: { name: 'Alice Admin' },
      }),
      'GroupGuard.md': runbookText({
        name: 'GroupGuard',
        script: 'echo ok',
        claims: { groups: 'ops' },
      }),
      'Tenant.md': runbookText({ name: 'Tenant', script: 'echo ok', claims: { tenant: '0042' } }),
    };
    for (const [file, part] of Object.entries(CLAIMS_TYPOS))
      runbooks[file] = withClaimsPart(file.replace(/\.md$/, ''), part);
    server = await startApi({ runbooks, env: { RBAC_MULTI_VALUED_CLAIMS: 'groups' } });
  });

  afterAll(async () => {
    await stopAllServers();
    rmSync(outside, { recursive: true, force: true });
  });

  const execute = (file: string, token: string) =>
    call(server, `/api/runbooks/${file}/execute`, { method: 'POST', token, json: {} });

  describe('H3: History output only for callers with the Required Claims', () => {
    it('hides output (and denial details) from others, in the API the console reads', async () => {
      const admin = server.token({ sub: 'root', roles: ['admin'] });
      const viewer = server.token({ sub: 'viewer1', roles: ['viewer'] });
      expect((await execute('Secret.md', admin)).status).toBe(200);
      expect((await execute('Secret.md', viewer)).status).toBe(403);
      expect(readFileSync(join(server.dirs.runbooks, 'Secret.md'), 'utf8')).toContain(
        SECRET_OUTPUT,
      );

      const seen = await call<RunbookContentResponse>(server, '/api/runbooks/Secret.md', {
        token: viewer,
      });
      expect(seen.status).toBe(200);
      expect(seen.body.history_output_hidden).toBe(true);
      expect(seen.body.content).not.toContain(SECRET_OUTPUT);
      expect(seen.body.content).not.toContain('RBAC Failure');
      expect(seen.body.content).toContain('echo top-secret-output-$((4700 + 11))'); // not output
      expect(seen.body.content).toMatch(/### \S+ \| Exit Code: 0\n/);
      expect(seen.body.content).toMatch(/### \S+ \| Exit Code: 403\n/);

      const full = await call<RunbookContentResponse>(server, '/api/runbooks/Secret.md', {
        token: admin,
      });
      expect(full.body.history_output_hidden).toBe(false);
      expect(full.body.content).toContain(SECRET_OUTPUT);
    });
  });

  describe('M5: claims compare exactly, only roles and configured claims are lists', () => {
    it('a comma-joined single-valued claim is refused; the exact value is allowed', async () => {
      const mallory = server.token({ sub: 'mallory', name: 'Mallory, Alice Admin' });
      expect((await execute('NameGuard.md', mallory)).status).toBe(403);
      const alice = server.token({ sub: 'alice', name: 'Alice Admin' });
      expect((await execute('NameGuard.md', alice)).status).toBe(200);
    });

    it('roles padded with NBSP, BOM or zero-width characters are refused', async () => {
      for (const role of ['\u00a0admin\ufeff', 'admin\u200b', '\u2003admin']) {
        const token = server.token({ sub: 'padded', roles: [role] });
        expect((await execute('Secret.md', token)).status).toBe(403);
      }
      const comma = server.token({ sub: 'padded', roles: 'viewer,\u00a0admin' });
      expect((await execute('Secret.md', comma)).status).toBe(403);
    });

    it('a claim named in RBAC_MULTI_VALUED_CLAIMS is split on commas', async () => {
      const token = server.token({ sub: 'g', groups: 'dev, ops' });
      expect((await execute('GroupGuard.md', token)).status).toBe(200);
    });
  });

  describe('M6: every Required Claims typo denies', () => {
    it.each(Object.keys(CLAIMS_TYPOS))('%s is refused to everyone, with a reason', async (file) => {
      const anyone = server.token({ sub: 'anyone', roles: ['viewer', 'sre', 'api'] });
      const refused = await execute(file, anyone);
      expect(refused.status).toBe(403);
      const admin = server.token({ sub: 'root', roles: ['admin'] });
      expect((await execute(file, admin)).status).toBe(403);
    });
  });

  describe('L9: claim values stay as written', () => {
    it('tenant: 0042 needs the token value "0042", not 42', async () => {
      expect((await execute('Tenant.md', server.token({ tenant: '0042' }))).status).toBe(200);
      expect((await execute('Tenant.md', server.token({ tenant: 42 }))).status).toBe(403);
      expect((await execute('Tenant.md', server.token({ tenant: '42' }))).status).toBe(403);
    });
  });

  describe('M2: denials cannot grow a runbook', () => {
    it('20 denials with a 3 KB claim add one bounded entry', async () => {
      const path = join(server.dirs.runbooks, 'Secret.md');
      const before = readFileSync(path, 'utf8').length;
      const token = server.token({ sub: 'flooder', roles: ['viewer', 'x'.repeat(3000)] });
      for (let i = 0; i < 20; i++) {
        const action = i % 2 === 0 ? 'validate' : 'execute';
        const refused = await call(server, `/api/runbooks/Secret.md/${action}`, {
          method: action === 'validate' ? 'PATCH' : 'POST',
          token,
          json: {},
        });
        expect(refused.status).toBe(403);
      }
      const after = readFileSync(path, 'utf8');
      expect(after.length - before).toBeLessThan(1000);
      expect(after.slice(before).match(/Exit Code: 403/g)).toHaveLength(1);
      const audit = readFileSync(join(server.dirs.data, 'history.jsonl'), 'utf8');
      expect(audit.split('"by_user":"flooder"').length - 1).toBe(20);
    });
  });

  describe('L7: a runbook whose real path is outside the folder is not a runbook', () => {
    it('is not listed, not served and never written', async () => {
      const target = join(outside, 'Outside.md');
      const text = runbookText({ name: 'Outside', script: 'echo outside' });
      writeFileSync(target, text);
      symlinkSync(target, join(server.dirs.runbooks, 'Outside.md'));
      symlinkSync('/proc/self/environ', join(server.dirs.runbooks, 'Environ.md'));
      const token = server.token();
      for (const file of ['Outside.md', 'Environ.md']) {
        const got = await call(server, `/api/runbooks/${file}`, { token });
        expect(got.status).toBe(404);
        expect(got.text).not.toContain(server.secret);
        expect((await execute(file, token)).status).toBe(404);
      }
      const list = await call<RunbookListResponse>(server, '/api/runbooks', { token });
      const names = list.body.runbooks.map((runbook) => runbook.filename);
      expect(names).not.toContain('Outside.md');
      expect(names).not.toContain('Environ.md');
      expect(readFileSync(target, 'utf8')).toBe(text);
    });

    it('a link to a runbook inside the folder still works', async () => {
      symlinkSync(join(server.dirs.runbooks, 'Tenant.md'), join(server.dirs.runbooks, 'Alias.md'));
      const got = await call(server, '/api/runbooks/Alias.md', { token: server.token() });
      expect(got.status).toBe(200);
    });
  });
});
