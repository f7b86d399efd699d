import { userInfo } from 'node:os';
import { createRunbooksMcpServer, type McpToolCall, type RunbooksMcpBackend } from '@runbooks/mcp';
import type { McpServer } from '@modelcontextprotocol/server';
import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import packageJson from '../../../package.json';
import { CliError } from '../cli-error';
import type { CommandContext } from '../command-context';
import { ExitCode } from '../exit-codes';
import { LocalMcpBackend } from '../mcp/local-mcp-backend';
import type { LocalMcpRun } from '../mcp/local-mcp-run';
import { RemoteMcpBackend } from '../mcp/remote-mcp-backend';

/** A client label part: printable ASCII, no slash, bounded (clientInfo is the agent's own claim). */
function labelPart(value: unknown, maxLength: number): string {
  if (typeof value !== 'string') return 'unknown';
  const cleaned = value
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/\//g, '_')
    .trim()
    .slice(0, maxLength);
  return cleaned === '' ? 'unknown' : cleaned;
}

/** Local runs stop after `SCRIPT_TIMEOUT_SECONDS` (as `runbook execute`), default 600 s. */
function localTimeoutMs(env: Readonly<Record<string, string | undefined>>): number {
  const text = env['SCRIPT_TIMEOUT_SECONDS'];
  if (text === undefined || text.trim() === '') return 600_000;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new CliError('USAGE', `SCRIPT_TIMEOUT_SECONDS=${text}: expected a number of seconds`);
  return seconds === 0 ? Infinity : Math.max(1, Math.round(seconds * 1000));
}

/**
 * `runbook mcp`: an MCP server on stdin/stdout for desktop agents. Locally it serves the runbooks
 * folder and runs scripts on this machine; with `--api-url` it forwards every call to the server's
 * `/mcp` with the user's token (the server's rules and records apply). Both protocol eras are
 * served; stdout carries protocol messages only, notes go to stderr. Ends when stdin closes.
 */
export async function runMcp(ctx: CommandContext): Promise<number> {
  // Runs started in this session, shared by every server instance the SDK makes.
  const localRuns = new Map<string, LocalMcpRun>();
  const remotes: RemoteMcpBackend[] = [];
  const token = ctx.isRemote ? (ctx.resolveToken()?.value ?? null) : null;
  const timeoutMs = ctx.isRemote ? 0 : localTimeoutMs(ctx.io.env);
  const log = (call: McpToolCall): void =>
    ctx.note(
      `runbook mcp: ${call.tool}${call.target ? ` (${call.target})` : ''} ${call.outcome}${call.message ? `: ${call.message}` : ''} in ${call.durationMs} ms`,
    );
  // One backend per server instance: each knows the agent through its own instance (the modern
  // era says who the client is on every request, the 2025 one in its handshake).
  const serverFor = (): McpServer => {
    let server: McpServer | null = null;
    let announced: { name: string; version: string } | null = null;
    const clientInfo = () => {
      const info = announced ?? server?.server.getClientVersion();
      return { name: labelPart(info?.name, 100), version: labelPart(info?.version, 50) };
    };
    let backend: RunbooksMcpBackend;
    if (ctx.isRemote) {
      const remote = new RemoteMcpBackend({ apiUrl: ctx.apiUrl ?? '', token, clientInfo });
      remotes.push(remote);
      backend = remote;
    } else {
      backend = new LocalMcpBackend(
        {
          runbooksDir: ctx.runbooksDir,
          cwd: ctx.io.cwd,
          env: ctx.io.env,
          timeoutMs,
          user: userInfo().username,
          client: () => `${clientInfo().name}/${clientInfo().version}`,
          now: ctx.now,
        },
        localRuns,
      );
    }
    server = createRunbooksMcpServer({ name: 'runbooks', version: packageJson.version }, backend, {
      onToolCall: log,
      onClientInfo: (info) => (announced = info),
      onError: (error) =>
        ctx.note(`runbook mcp: ${error instanceof Error ? error.message : String(error)}`),
    });
    return server;
  };
  const closed = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
  });
  const handle = serveStdio(serverFor, {
    transport: new StdioServerTransport(process.stdin, process.stdout),
  });
  ctx.note(
    ctx.isRemote
      ? `runbook mcp: serving ${ctx.apiUrl ?? ''} over stdio`
      : `runbook mcp: serving the runbooks in ${ctx.runbooksDir} over stdio (local mode)`,
  );
  const stopListening = ctx.io.onInterrupt(() => process.stdin.destroy());
  try {
    await closed;
  } finally {
    stopListening();
    await handle.close();
    await Promise.allSettled(remotes.map((remote) => remote.close()));
  }
  return ExitCode.OK;
}
