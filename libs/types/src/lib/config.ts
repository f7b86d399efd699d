/** Where a configuration value came from. */
export type ConfigSource = 'default' | 'environment';

/** One item of `config_items` (`value` is always the raw string; secrets read `"secret"`). */
export interface ConfigItem {
  name: string;
  value: string;
  from: ConfigSource;
}

/** The caller's identity as the API sees it. */
export interface TokenInfo {
  user_id: string;
  roles: string[];
  remote_ip: string;
  claims: Record<string, unknown>;
}

/** Body of `GET /api/config`. */
export interface ConfigResponse {
  config_items: ConfigItem[];
  token: TokenInfo;
}

/** Body of `POST /dev-login`. */
export interface DevLoginRequest {
  subject?: string;
  /** A list of strings (anything else is refused with 400). */
  roles?: string[];
}

/** Answer of `POST /dev-login`. */
export interface DevLoginResponse {
  access_token: string;
  token_type: 'bearer';
  /** ISO-8601 expiry, e.g. `2026-11-22T15:17:24.588612+00:00`. */
  expires_at: string;
  subject: string;
  roles: string[] | string;
}

/** Answer of `POST /api/shutdown`. */
export interface ShutdownResponse {
  message: string;
}
