import { createRootLogger } from '@geode/observability';
import { parseRouterSettings } from '../src/config/router-config';
import { Router } from '../src/router-server';

export interface RunningRouter {
  router: Router;
  url: string;
  close(): Promise<void>;
}

/** The same router `main.ts` runs, from a configuration object, on a free loopback port. */
export async function startRouter(settings: Record<string, unknown>): Promise<RunningRouter> {
  const router = new Router({
    settings: parseRouterSettings(settings, 'test configuration'),
    logger: createRootLogger({ service: 'router', level: 'silent' }),
  });
  const url = await router.start(0, '127.0.0.1');
  return { router, url, close: () => router.destroy() };
}

/** A request as a client makes it, with what the tests read of the answer. */
export interface Answer {
  status: number;
  region: string | null;
  headers: Headers;
  body: Record<string, unknown> | undefined;
}

export async function call(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    region: response.headers.get('geode-region'),
    headers: response.headers,
    body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : undefined,
  };
}

/** Requests a geode has served for a route pattern, from its own metrics. */
export async function servedCount(geodeUrl: string, route: string): Promise<number> {
  const text = await (await fetch(`${geodeUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n'))
    if (line.startsWith('http_request_duration_seconds_count') && line.includes(`route="${route}"`))
      total += Number(line.split(' ').pop());
  return total;
}
