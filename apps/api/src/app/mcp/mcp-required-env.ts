import type { McpRequiredEnv } from '@runbooks/mcp';
import type { Runbook } from '@runbooks/runbook-format';

/**
 * The variables a runbook asks for, as `list_runbooks` reports them. Today's declarations are
 * untyped (a name and a description), so each is a required string, not secret, any value; this
 * is the one place that will read typed declarations (type, enum, secret, required) when they land.
 */
export function requiredEnvOf(runbook: Runbook): McpRequiredEnv[] {
  return (runbook.environment ?? []).map((variable) => ({
    name: variable.name,
    description: variable.description,
    type: 'string',
    enum: null,
    secret: false,
    required: true,
  }));
}
