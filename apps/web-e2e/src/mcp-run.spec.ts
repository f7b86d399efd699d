import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Browser, Page } from 'playwright-core';
import { eventually, launchBrowser, openPage, signIn, textOf } from './support/browser';
import { startConsoleServer, type ConsoleServer } from './support/console-server';

/** A run an agent started through /mcp says so in the run view, with the agent's name/version. */
describe('runs started through MCP in the console', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    server = await startConsoleServer();
    browser = await launchBrowser();
    page = await openPage(browser);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows "Started via MCP" and the client on the run view; a REST run has no such row', async () => {
    const token = server.token({ sub: 'agent-alice', roles: ['sre', 'api'] });
    const client = new Client({ name: 'web-e2e-agent', version: '2.0.1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      }),
    );
    const result = await client.callTool({
      name: 'run_runbook',
      arguments: { filename: 'SimpleRunbook.md', env: { TEST_VAR: 'from-an-agent' } },
    });
    await client.close();
    const runId = (result.structuredContent as { run_id: string }).run_id;
    expect(result.isError).toBeFalsy();

    await signIn(page, server.url, ['sre', 'api']);
    await page.goto(`${server.url}/runs/${runId}`);
    await eventually(async () =>
      expect(await textOf(page.locator('.trigger'))).toBe('MCP · web-e2e-agent/2.0.1'),
    );
    expect(await textOf(page.locator('dt', { hasText: 'Started via' }))).toBe('Started via');
    expect(await textOf(page.locator('.log'))).toContain('from-an-agent');

    // A run started in the console (REST) shows no trigger row.
    await page.goto(`${server.url}/runbooks/SimpleRunbook.md`);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('input[data-var="TEST_VAR"]').fill('by-hand');
    await dialog.getByRole('button', { name: 'Run', exact: true }).click();
    await page.waitForURL(
      (url) => /\/runs\/[^/?]+$/.test(url.pathname) && !url.pathname.endsWith(runId),
    );
    await eventually(async () => expect(await textOf(page.locator('.log'))).toContain('by-hand'));
    expect(await page.locator('.trigger').count()).toBe(0);
  });
});
