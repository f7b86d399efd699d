export {
  createRunbooksMcpServer,
  INTERNAL_ERROR_MESSAGE,
  nextStepFor,
  type McpToolCall,
  type RunbooksMcpHooks,
} from './lib/register-runbooks-mcp';
export { isMcpRefusal, McpRefusal, type McpRefusalCode } from './lib/mcp-refusal';
export {
  diagnoseRunPrompt,
  draftRunbookPrompt,
  EXAMPLE_RUNBOOK,
  outputTail,
} from './lib/runbook-prompts';
export type {
  McpOutputLine,
  McpOutputPage,
  McpRecentRun,
  McpRequiredEnv,
  McpRunbookDetail,
  McpRunbookSummary,
  McpRunPage,
  McpRunQuery,
  McpRunRequest,
  McpRunStarted,
  McpValidation,
  RunbooksMcpBackend,
} from './lib/runbooks-mcp-backend';
export { TOOL_CATALOG, type ToolDescription } from './lib/tool-catalog';
export {
  DEFAULT_OUTPUT_LINES,
  DEFAULT_RUN_LIMIT,
  MAX_OUTPUT_LINES,
  MAX_RUN_LIMIT,
  MAX_WAIT_SECONDS,
  RUN_RECORD_SCHEMA,
  TOOL_SCHEMAS,
  type JsonSchemaObject,
  type RunbooksToolName,
} from './lib/tool-schemas';
