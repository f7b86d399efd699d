import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

import type { ApiServer } from './api-server';

/** The protocol era a test client speaks: the 2026-07-28 revision, or the 2025 handshake. */
export type McpEra = '2026-07-28' | 'legacy';

/** Connects the SDK's client to a server's `/mcp` over Streamable HTTP with a bearer token. */
export async function connectMcp(
  server: ApiServer,
  token: string,
  era: McpEra,
  clientInfo = { name: 'e2e-agent', version: '1.2.3' },
): Promise<Client> {
  const client = new Client(clientInfo, {
    versionNegotiation: { mode: era === 'legacy' ? 'legacy' : { pin: era } },
  });
  const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return client;
}

/** A tool call's outcome: its structured content, or its error text. */
export interface ToolOutcome<T> {
  isError: boolean;
  structured: T;
  /** The first text block (the JSON for older clients, or the refusal message). */
  text: string;
}

/** Calls a tool and returns its structured result and text. */
export async function callTool<T = Record<string, unknown>>(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<ToolOutcome<T>> {
  const result = await client.callTool({ name, arguments: args });
  const first = result.content[0];
  return {
    isError: result.isError === true,
    structured: result.structuredContent as T,
    text: first?.type === 'text' ? first.text : '',
  };
}
