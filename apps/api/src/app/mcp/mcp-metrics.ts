import { Counter, Histogram, register } from 'prom-client';

/** `runbook_mcp_tool_calls_total{tool,outcome}`: every MCP tool call and how it ended. */
export const mcpToolCalls: Counter<'tool' | 'outcome'> =
  (register.getSingleMetric('runbook_mcp_tool_calls_total') as
    Counter<'tool' | 'outcome'> | undefined) ??
  new Counter({
    name: 'runbook_mcp_tool_calls_total',
    help: 'MCP tool calls by tool and outcome (ok, refused, error)',
    labelNames: ['tool', 'outcome'],
  });

/** `runbook_mcp_tool_call_duration_seconds{tool}`: how long tool calls take (waits included). */
export const mcpToolDuration: Histogram<'tool'> =
  (register.getSingleMetric('runbook_mcp_tool_call_duration_seconds') as
    Histogram<'tool'> | undefined) ??
  new Histogram({
    name: 'runbook_mcp_tool_call_duration_seconds',
    help: 'MCP tool call duration, waits included',
    labelNames: ['tool'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60],
  });
