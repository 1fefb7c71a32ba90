export interface PostgresUrlParts {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
}

export function postgresUrl(parts: PostgresUrlParts): string {
  const url = new URL('postgres://placeholder');
  url.hostname = parts.host;
  url.port = String(parts.port);
  url.username = encodeURIComponent(parts.user);
  if (parts.password) url.password = encodeURIComponent(parts.password);
  url.pathname = `/${encodeURIComponent(parts.database)}`;
  return url.toString();
}

/** The URL without its password, for logs and error messages. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}
