import {
  All,
  Controller,
  Inject,
  Logger,
  Req,
  Res,
  UseFilters,
  type OnModuleDestroy,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { toNodeHandler, type NodeMcpRequestHandler } from '@modelcontextprotocol/node';
import {
  createMcpHandler,
  type AuthInfo,
  type McpHttpHandler,
  type McpRequestContext,
  type McpServer,
} from '@modelcontextprotocol/server';
import { createRunbooksMcpServer, type McpToolCall } from '@runbooks/mcp';
import { evaluateClaims, formatDenial } from '@runbooks/rbac';
import type { Request, Response } from 'express';

import type { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { SERVER_VERSION } from '../config/server-version';
import { AppError } from '../errors/app-error';
import { clientIpOf } from '../http/client-ip';
import { correlationIdOf } from '../http/correlation-id.middleware';
import { ApiMcpBackendFactory } from './api-mcp-backend';
import { McpAuthChallengeFilter } from './mcp-auth-challenge.filter';
import {
  clientLabel,
  labelFromSessionId,
  sessionIdFor,
  UNKNOWN_CLIENT,
} from './mcp-client-identity';
import { mcpToolCalls, mcpToolDuration } from './mcp-metrics';

/** What the controller hands the per-request server factory (through the SDK's `authInfo`). */
interface McpRequestScope {
  caller: Caller;
  /** The client label a 2025-era session id carries (or `initialize` just gave). */
  sessionClient: string | null;
  correlationId: string;
  remoteIp: string;
}

const SCOPE_KEY = 'runbooks';

/**
 * `/mcp`: the Streamable HTTP endpoint of the MCP server, for both protocol eras (2026-07-28
 * per-request, and the 2025 revisions through the SDK's stateless legacy serving). The global
 * guards ran first (rate limit, then the same JWT as REST); `MCP_REQUIRED_CLAIMS` narrows it
 * further. Every request gets a fresh server bound to its caller.
 */
@ApiExcludeController()
@UseFilters(McpAuthChallengeFilter)
@Controller('mcp')
export class McpController implements OnModuleDestroy {
  private readonly logger = new Logger('MCP');
  private readonly handler: McpHttpHandler;
  private readonly serve: NodeMcpRequestHandler;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly backends: ApiMcpBackendFactory,
  ) {
    const onerror = (error: Error) => this.logger.debug(`MCP request failed: ${error.message}`);
    this.handler = createMcpHandler((context) => this.serverFor(context), {
      legacy: 'stateless',
      onerror,
    });
    this.serve = toNodeHandler(this.handler, { onerror });
  }

  async onModuleDestroy(): Promise<void> {
    await this.handler.close();
  }

  @All()
  async handle(
    @CurrentCaller() caller: Caller,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const decision = evaluateClaims(this.config.mcp.requiredClaims, caller.claims, {
      multiValuedClaims: this.config.security.multiValuedClaims,
    });
    if (!decision.allowed) throw new AppError('FORBIDDEN', formatDenial('mcp', decision));
    const body: unknown = request.body;
    let sessionClient = labelFromSessionId(request.header('mcp-session-id'));
    if (isInitialize(body)) {
      sessionClient = clientLabel(body.params?.clientInfo);
      response.setHeader('Mcp-Session-Id', sessionIdFor(sessionClient));
    }
    const scope: McpRequestScope = {
      caller,
      sessionClient,
      correlationId: correlationIdOf(request),
      remoteIp: clientIpOf(request),
    };
    const auth: AuthInfo = {
      token: caller.token,
      clientId: caller.userId,
      scopes: [],
      extra: { [SCOPE_KEY]: scope },
    };
    await this.serve(Object.assign(request, { auth }), response, body);
  }

  private serverFor(context: McpRequestContext): McpServer {
    const scope = context.authInfo?.extra?.[SCOPE_KEY] as McpRequestScope | undefined;
    if (!scope) throw new Error('An MCP request reached the server without its caller');
    let server: McpServer | null = null;
    const client = (): string => {
      const info = server?.server.getClientVersion();
      return info ? clientLabel(info) : (scope.sessionClient ?? UNKNOWN_CLIENT);
    };
    server = createRunbooksMcpServer(
      { name: 'runbooks', version: SERVER_VERSION },
      this.backends.forCaller({ ...scope, client }),
      {
        onToolCall: (call) => this.audit(call, scope.caller, client()),
        onError: (error, tool) =>
          this.logger.error(
            `MCP tool ${tool} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          ),
      },
    );
    return server;
  }

  /** Every tool call: one log line with who, through which client, what and how it ended. */
  private audit(call: McpToolCall, caller: Caller, client: string): void {
    mcpToolCalls.inc({ tool: call.tool, outcome: call.outcome });
    mcpToolDuration.observe({ tool: call.tool }, call.durationMs / 1000);
    const line =
      `MCP tool ${call.tool}${call.target ? ` (${call.target})` : ''} by ${caller.userId || 'unknown'}` +
      ` via ${client}: ${call.outcome}${call.message ? ` - ${call.message}` : ''} in ${call.durationMs} ms`;
    if (call.outcome === 'ok') this.logger.log(line);
    else this.logger.warn(line);
  }
}

function isInitialize(body: unknown): body is { params?: { clientInfo?: unknown } } {
  return (
    typeof body === 'object' &&
    body !== null &&
    !Array.isArray(body) &&
    (body as { method?: unknown }).method === 'initialize'
  );
}
