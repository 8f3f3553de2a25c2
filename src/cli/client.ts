import { CliError, EXIT } from './exit.js';

/** Talks to a running daemon for the CLI: SEREIN_URL and SEREIN_TOKEN, or --url and --token. */
export interface ClientOptions {
  url?: string;
  token?: string;
}

/** What the CLI says when the daemon refuses its token: the admin's way to get one, not the client page's. */
const TOKEN_HINT =
  "Set SEREIN_TOKEN (or --token) to an admin token. To make one on the daemon's machine: serein token create --admin --local";

/** The daemon's refusal or failure, with its message and hint (a token refused gets the admin's hint). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error?: { code: string; message: string; hint: string; detail?: string } },
    token?: string,
  ) {
    const e = body.error;
    const hint =
      status === 401
        ? token
          ? `The token given is not valid (mistyped, cut, or revoked). ${TOKEN_HINT}`
          : `No token was given. ${TOKEN_HINT}`
        : e?.hint;
    super(e ? `${e.message}\n  → ${hint}${e.detail ? `\n  (${e.detail})` : ''}` : `HTTP ${status}`);
  }
}

/** Nobody answered at the daemon's address: nothing was asked, nothing changed. */
export class UnreachableError extends Error {
  constructor(base: string, err: Error, hint = 'Start it with "serein serve", or set SEREIN_URL.') {
    super(
      `Cannot reach serein at ${base} (${(err.cause as Error | undefined)?.message ?? err.cause ?? err.message}).\n  → ${hint}`,
    );
    this.name = 'UnreachableError';
  }
}

export function clientFrom(o: ClientOptions) {
  const base = (o.url ?? process.env.SEREIN_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
  const token = o.token ?? process.env.SEREIN_TOKEN;
  // A token pasted with a space, a line break or quotes is no token: said before anything is sent.
  if (token && !/^[\x21-\x7e]+$/.test(token))
    throw new CliError(
      `The token in ${o.token ? '--token' : 'SEREIN_TOKEN'} holds spaces or characters no token has.\n  → ${TOKEN_HINT}`,
      EXIT.refused,
    );
  return {
    base,
    token,
    async request<T = any>(method: string, path: string, body?: unknown): Promise<T> {
      let res: Response;
      try {
        res = await fetch(base + path, {
          method,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (err) {
        throw new UnreachableError(base, err as Error);
      }
      const text = await res.text();
      const json = text ? JSON.parse(text) : {};
      if (!res.ok) throw new ApiError(res.status, json, token);
      return json as T;
    },
    /**
     * Every item of a paged list (`field` of each answer), following each page's `next`
     * cursor until the last page, so nothing is cut at a page size; `max` stops early.
     */
    async *pages<T = any>(path: string, field: string, max = Infinity): AsyncGenerator<T> {
      let shown = 0;
      let cursor: string | null = null;
      do {
        const sep = path.includes('?') ? '&' : '?';
        const page: Record<string, unknown> = await this.request(
          'GET',
          cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path,
        );
        for (const item of (page[field] as T[]) ?? []) {
          if (shown++ >= max) return;
          yield item;
        }
        cursor = (page.next as string | null | undefined) ?? null;
      } while (cursor);
    },
  };
}
