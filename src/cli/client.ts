/** Talks to a running daemon for the CLI: SEREIN_URL and SEREIN_TOKEN, or --url and --token. */
export interface ClientOptions { url?: string; token?: string }

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error?: { code: string; message: string; hint: string; detail?: string } },
  ) {
    super(body.error ? `${body.error.message}\n  → ${body.error.hint}${body.error.detail ? `\n  (${body.error.detail})` : ''}` : `HTTP ${status}`);
  }
}

export function clientFrom(o: ClientOptions) {
  const base = (o.url ?? process.env.SEREIN_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
  const token = o.token ?? process.env.SEREIN_TOKEN;
  return {
    base,
    token,
    async request<T = any>(method: string, path: string, body?: unknown): Promise<T> {
      let res: Response;
      try {
        res = await fetch(base + path, {
          method,
          headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (err) {
        throw new Error(`Cannot reach serein at ${base} (${(err as Error).cause ?? (err as Error).message}).\n  → Start it with "npx serein serve", or set SEREIN_URL.`);
      }
      const text = await res.text();
      const json = text ? JSON.parse(text) : {};
      if (!res.ok) throw new ApiError(res.status, json);
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
        const page: Record<string, unknown> = await this.request('GET', cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path);
        for (const item of (page[field] as T[]) ?? []) {
          if (shown++ >= max) return;
          yield item;
        }
        cursor = (page.next as string | null | undefined) ?? null;
      } while (cursor);
    },
  };
}
