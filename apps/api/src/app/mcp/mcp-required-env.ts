import type { McpRequiredEnv } from '@runbooks/mcp';
import type { Runbook } from '@runbooks/runbook-format';

/**
 * The variables a runbook asks for, as `list_runbooks` reports them: each typed declaration's
 * type, allowed values (as text), secrecy and whether it is required. A variable with a default
 * or provided by the server (`from`) is not required of the agent.
 */
export function requiredEnvOf(runbook: Runbook): McpRequiredEnv[] {
  return (runbook.environment ?? []).map((variable) => ({
    name: variable.name,
    description: variable.description,
    type: variable.type,
    enum: variable.enum === null ? null : variable.enum.map(String),
    secret: variable.secret,
    required: variable.required && variable.default === null && variable.from === null,
  }));
}
