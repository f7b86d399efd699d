import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Browser } from 'playwright-core';

import { eventually, launchBrowser, openPage, screenshot, signIn, textOf } from './support/browser';
import { startConsoleServer, type ConsoleServer } from './support/console-server';

const HOLD = [
  '# WebHold',
  'Holds the lock web-hold for a while.',
  '# Environment Requirements',
  '```yaml',
  '{}',
  '```',
  '# File System Requirements',
  '```yaml',
  'Input: []',
  '```',
  '# Concurrency',
  '```yaml',
  'locks: [web-hold]',
  '```',
  '# Script',
  '```sh',
  'sleep 60',
  '```',
  '# History',
  '',
].join('\n');

/** A queued run's wait, as the run page and the runs list show it. */
describe('web console (Concurrency: a queued run says what it waits for)', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let token: string;

  beforeAll(async () => {
    server = await startConsoleServer();
    writeFileSync(join(server.runbooksDir, 'WebHold.md'), HOLD);
    browser = await launchBrowser();
    const login = await fetch(`${server.url}/dev-login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ subject: 'alice', roles: ['sre', 'admin'] }),
    });
    token = ((await login.json()) as { access_token: string }).access_token;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const start = async (): Promise<string> => {
    const response = await fetch(`${server.url}/api/runbooks/WebHold.md/execute`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
        Prefer: 'respond-async',
      },
      body: '{}',
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { run_id: string }).run_id;
  };
  const cancel = (id: string) =>
    fetch(`${server.url}/api/runs/${id}/cancel`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: '{}',
    });

  it('shows the lock, its holder and the place in line on the run page and in the runs list', async () => {
    const holder = await start();
    const waiting = await start();
    const page = await openPage(browser);
    try {
      await signIn(page, server.url, { quick: 'SRE' });
      await page.goto(`${server.url}/runs/${waiting}`);
      await eventually(async () => {
        expect(await textOf(page.locator('.waiting-for').first())).toBe(
          `lock web-hold, held by run ${holder} (position 1 in line)`,
        );
      });
      await screenshot(page, '60-run-waiting-for-lock');
      await page.goto(`${server.url}/runs?runbook=WebHold.md`);
      await eventually(async () => {
        expect(await textOf(page.locator('.waiting-for').first())).toBe(
          `#1 · lock web-hold, held by run ${holder}`,
        );
      });
      await screenshot(page, '61-runs-list-waiting');
    } finally {
      await page.context().close();
      await cancel(waiting);
      await cancel(holder);
    }
  });
});
