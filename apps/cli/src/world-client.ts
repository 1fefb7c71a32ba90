import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { CliError } from './cli-error';
import type { WorldSnapshot } from './world/local-world';

export const DEFAULT_WORLD_URL = 'http://127.0.0.1:7070';

export interface GeodeAnswer<T> {
  status: number;
  body: T;
}

export interface GeodeRequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** An operator route (`/admin/v1/…`): send the operator token (ADR 0014). */
  operator?: boolean;
}

/**
 * Talks to a running world: its control API, and each geode directly (HTTPS
 * under the world's development CA, read from the file the world names).
 */
export class WorldClient {
  private snapshotCache?: WorldSnapshot;
  private agent?: Agent;
  private operatorToken?: string;

  /** `operatorToken`: from --token or GEODE_OPERATOR_TOKEN; else the world's own token file is read. */
  constructor(
    readonly controlUrl: string,
    operatorToken?: string,
  ) {
    this.operatorToken = operatorToken?.trim() || undefined;
  }

  async snapshot(fresh = false): Promise<WorldSnapshot> {
    if (this.snapshotCache && !fresh) return this.snapshotCache;
    this.snapshotCache = await this.control<WorldSnapshot>('GET', '/world');
    return this.snapshotCache;
  }

  async control<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let answer;
    try {
      answer = await request(`${this.controlUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
    } catch (error) {
      throw new CliError(
        `no world answers at ${this.controlUrl} (${(error as Error).message}): start one with "npm start", or pass --world <url>`,
        1,
        { cause: error },
      );
    }
    const parsed = (await answer.body.json().catch(() => null)) as T & { detail?: string };
    if (answer.statusCode >= 400)
      throw new CliError(parsed?.detail ?? `the world answered ${answer.statusCode}`);
    return parsed;
  }

  async geodeUrl(region: string): Promise<string> {
    const world = await this.snapshot();
    const geode = world.geodes.find((candidate) => candidate.region === region);
    if (!geode)
      throw new CliError(
        `no region ${region} in this world (regions: ${world.geodes.map((g) => g.region).join(', ')})`,
        2,
      );
    return geode.url;
  }

  /** A request to one geode; answers of any status are returned, a connection failure throws. */
  async geode<T>(
    region: string,
    method: 'GET' | 'POST',
    path: string,
    options: GeodeRequestOptions = {},
  ): Promise<GeodeAnswer<T> & { headers: Record<string, string | string[] | undefined> }> {
    const base = await this.geodeUrl(region);
    const authorization = options.operator
      ? { authorization: `Bearer ${await this.operatorTokenOf()}` }
      : {};
    let answer;
    try {
      answer = await request(`${base}${path}`, {
        method,
        dispatcher: await this.dispatcher(),
        headers: {
          ...(options.body !== undefined && { 'content-type': 'application/json' }),
          ...authorization,
          ...options.headers,
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        headersTimeout: options.timeoutMs ?? 10_000,
        bodyTimeout: options.timeoutMs ?? 10_000,
      });
    } catch (error) {
      throw new CliError(
        `geode ${region} (${base}) did not answer: ${(error as Error).message}`,
        1,
        {
          cause: error,
        },
      );
    }
    const text = await answer.body.text();
    let body: T;
    try {
      body = (text === '' ? null : JSON.parse(text)) as T;
    } catch {
      body = text as T;
    }
    return { status: answer.statusCode, body, headers: answer.headers };
  }

  /** Like `geode`, but anything but 2xx is a one-line error. */
  async geodeOk<T>(
    region: string,
    method: 'GET' | 'POST',
    path: string,
    options: GeodeRequestOptions = {},
  ): Promise<T> {
    const answer = await this.geode<T & { detail?: string }>(region, method, path, options);
    if (answer.status >= 300)
      throw new CliError(
        `${region}: ${method} ${path} answered ${answer.status}${answer.body?.detail ? `: ${answer.body.detail}` : ''}`,
      );
    return answer.body;
  }

  /** The token given, else the one the world keeps in its files (readable by its owner only). */
  private async operatorTokenOf(): Promise<string> {
    if (this.operatorToken) return this.operatorToken;
    const { operatorTokenFile } = await this.snapshot();
    if (!operatorTokenFile)
      throw new CliError(
        'this world names no operator token file: pass --token <token> or set GEODE_OPERATOR_TOKEN',
        2,
      );
    try {
      this.operatorToken = readFileSync(operatorTokenFile, 'utf8').trim();
    } catch (error) {
      throw new CliError(
        `cannot read the world's operator token ${operatorTokenFile} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): pass --token <token> or set GEODE_OPERATOR_TOKEN`,
        1,
        { cause: error },
      );
    }
    return this.operatorToken;
  }

  async close(): Promise<void> {
    await this.agent?.close();
  }

  private async dispatcher(): Promise<Agent> {
    if (this.agent) return this.agent;
    const world = await this.snapshot();
    let ca: string | undefined;
    if (world.caFile) {
      try {
        ca = readFileSync(world.caFile, 'utf8');
      } catch (error) {
        throw new CliError(
          `cannot read the world's CA ${world.caFile}: ${(error as Error).message}`,
          1,
          {
            cause: error,
          },
        );
      }
    }
    this.agent = new Agent({ connect: ca === undefined ? {} : { ca } });
    return this.agent;
  }
}
