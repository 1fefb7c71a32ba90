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
