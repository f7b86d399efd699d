import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { eventually, launchBrowser, openPage, screenshot, signIn, textOf } from './support/browser';
import { WEB_DIR, startConsoleServer, type ConsoleServer } from './support/console-server';

/** Roles, tokens and what the server sends: a viewer is refused, an admin sees the config. */
describe('web console (access and delivery)', () => {
  let server: ConsoleServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startConsoleServer();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('offers a viewer neither Run nor Validate, says why, and writes nothing to History', async () => {
    const runbookFile = join(server.runbooksDir, 'SimpleRunbook.md');
    const before = readFileSync(runbookFile, 'utf8');
    const page = await openPage(browser);
    try {
      await signIn(page, server.url, { quick: 'Viewer' });
      await page.goto(`${server.url}/runbooks/SimpleRunbook.md`);
      await page.getByText('Your roles do not allow running or validating it').waitFor();
      for (const name of ['Run', 'Validate']) {
        const button = page.getByRole('button', { name, exact: true });
        expect([name, await button.isDisabled()]).toEqual([name, true]);
        expect(await button.getAttribute('aria-describedby')).toBe('access-note');
      }
      await screenshot(page, '20-viewer-403');
      // A denied validation would have appended a "Denied" entry to this git-tracked file.
      expect(readFileSync(runbookFile, 'utf8')).toBe(before);

      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Admin' })
        .click();
      await page.getByText('Administrators only', { exact: true }).waitFor();
      await screenshot(page, '21-viewer-admin');
    } finally {
      await page.context().close();
    }
  });

  it('shows a documentation-only runbook without its missing sections as errors', async () => {
    const page = await openPage(browser);
    try {
      await signIn(page, server.url, { quick: 'SRE' });
      await page.goto(`${server.url}/runbooks/DatabaseFailover.md`);
      await page.getByText('Documentation only (no script)').waitFor();
      expect(await page.getByText('None: documentation only, nothing runs.').count()).toBe(2);
      expect(await page.getByText('Missing or unreadable').count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Run', exact: true }).isDisabled()).toBe(true);
    } finally {
      await page.context().close();
    }
  });

  it('shows an admin the token, configuration items and health', async () => {
    const page = await openPage(browser);
    try {
      await signIn(page, server.url, ['admin', 'sre']);
      await page.goto(`${server.url}/admin`);
      await page.getByRole('heading', { name: 'Token information' }).waitFor();
      const config = page.getByRole('table', { name: 'Configuration items' });
      await config.waitFor();
      expect(await textOf(config)).toContain('API_PORT');
      await eventually(async () =>
        expect(await textOf(page.locator('.probe').nth(1))).toContain('OK'),
      );
      await screenshot(page, '22-admin');
    } finally {
      await page.context().close();
    }
  });

  it('accepts a pasted token and returns to sign-in (then back) when the server rejects it', async () => {
    const login = await fetch(`${server.url}/dev-login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ subject: 'idp-user', roles: ['sre'] }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    const page = await openPage(browser);
    try {
      await page.goto(`${server.url}/sign-in`);
      await page.getByLabel('Access token').fill(token);
      await page.getByRole('button', { name: 'Use token' }).click();
      await page.waitForURL(/\/runbooks$/);
      expect(await textOf(page.locator('button.user'))).toContain('idp-user');

      // The server stops accepting the session (here: a corrupted token) → 401 → sign-in → back.
      await page.evaluate(() => {
        const raw = sessionStorage.getItem('runbooks.session') ?? '{}';
        const session = JSON.parse(raw) as { token: string };
        sessionStorage.setItem(
          'runbooks.session',
          JSON.stringify({ ...session, token: `${session.token}x` }),
        );
      });
      await page.goto(`${server.url}/runs`);
      await page.waitForURL(/\/sign-in\?/);
      const url = new URL(page.url());
      expect(url.searchParams.get('returnUrl')).toBe('/runs');
      expect(url.searchParams.get('reason')).toBe('unauthorized');
      await page.getByText('no longer accepts your session').waitFor();
      await screenshot(page, '23-session-rejected');
      await signIn(page, server.url, { quick: 'SRE' });
      expect(new URL(page.url()).pathname).toBe('/runs');
    } finally {
      await page.context().close();
    }
  });

  it('answers unknown console paths with the app and its not-found screen', async () => {
    const page = await openPage(browser);
    try {
      await signIn(page, server.url, { quick: 'SRE' });
      await page.goto(`${server.url}/no/such/page`);
      await page.getByText('This page does not exist').waitFor();
      await page.goto(`${server.url}/runs/00000000-0000-0000-0000-000000000000`);
      await page.getByText('Run not found', { exact: false }).first().waitFor();
      await screenshot(page, '24-run-not-found');
    } finally {
      await page.context().close();
    }
  });

  it('ships a small initial bundle with cacheable assets and serves deep links', async () => {
    const index = readFileSync(join(WEB_DIR, 'index.html'), 'utf8');
    const initial = [
      ...index.matchAll(/<script src="([^"]+\.js)"|<link rel="modulepreload" href="([^"]+\.js)"/g),
    ].map((m) => m[1] ?? m[2] ?? '');
    expect(initial.length).toBeGreaterThan(0);
    const gzipped = initial.reduce(
      (sum, file) => sum + gzipSync(readFileSync(join(WEB_DIR, file))).length,
      0,
    );
    expect(gzipped).toBeLessThan(500 * 1024);
    process.stdout.write(
      `initial JS: ${initial.length} files, ${(gzipped / 1024).toFixed(1)} kB gzipped\n`,
    );

    const asset = await fetch(`${server.url}/${initial[0]}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control') ?? '').toMatch(/max-age=\d+/);

    const deepLink = await fetch(`${server.url}/runbooks/SimpleRunbook.md`, {
      headers: { Accept: 'text/html' },
    });
    expect(deepLink.status).toBe(200);
    expect(await deepLink.text()).toContain('<rb-root>');
  });
});
