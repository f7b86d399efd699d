import type { AppConfig } from '../config/app-config';

/** The server's public base URL as configured (`API_PROTOCOL://API_HOST:API_PORT`). */
export function publicBaseUrl(config: AppConfig): string {
  const { apiProtocol, apiHost, apiPort } = config;
  const defaultPort = apiProtocol === 'https' ? 443 : 80;
  return `${apiProtocol}://${apiHost}${apiPort === defaultPort ? '' : `:${apiPort}`}`;
}

/** Where the RFC 9728 document of `/mcp` is served. */
export function protectedResourceMetadataUrl(config: AppConfig): string {
  return `${publicBaseUrl(config)}/.well-known/oauth-protected-resource`;
}

/** RFC 9728 protected resource metadata of `/mcp`. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  bearer_methods_supported: string[];
  resource_name: string;
}

/**
 * The metadata document: the resource is `/mcp`, its authorization server the configured token
 * issuer (`JWT_ISSUER`), tokens go in the `Authorization` header only.
 */
export function protectedResourceMetadata(config: AppConfig): ProtectedResourceMetadata {
  const base = publicBaseUrl(config);
  return {
    resource: `${base}/mcp`,
    authorization_servers: [config.jwt.issuer],
    bearer_methods_supported: ['header'],
    resource_name: 'Runbooks MCP server',
  };
}
