import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.js';
import type { Engine } from '../engine/engine.js';
import { TERMINAL, type Job, type JobStatus } from '../store/jobs.js';
import type { Store } from '../store/store.js';
import { tooManyStreams } from './limit-errors.js';
import { tooMany } from './limits.js';
import { wholeEvent, type EventView } from './client-view.js';

/** What a refused stream is told to wait: streams end when their job does, usually within seconds. */
const RETRY_SECONDS = 10;
/** A comment line now and then, so proxies keep a quiet stream open. */
const KEEP_ALIVE_MS = 15_000;
/** A client that does not read its stream is let go past this much unsent text. */
const MAX_UNSENT = 1 << 20;

interface Stream {
  res: ServerResponse;
  /** The last event id this stream was sent. */
  last: number;
  /** How its caller reads an event: a client reads no server path (src/api/client-view.ts). */
  present: EventView;
  close(): void;
}

/**
 * Live job streams (GET /v1/jobs/:id/events). One listener on the engine serves them all:
 * a job's new events are read from the store once per job, not once per stream, when the
 * engine says the job has some. A job another daemon runs (a shared PostgreSQL store)
 * sends no local notice, so watched jobs are also looked at now and then, once per job.
 * Streams are counted per token and per client address; each frees its slot when it ends
 * or its client goes away.
 */
export class JobStreams {
  private readonly byJob = new Map<string, Set<Stream>>();
  private readonly perToken = new Map<string, number>();
  private readonly perAddress = new Map<string, number>();
  /** Per job: a read under way, and whether another must follow it (notices that came meanwhile). */
  private readonly reading = new Map<string, { again: boolean; finished?: JobStatus }>();
  private readonly timers: NodeJS.Timeout[];
  private readonly onEvent = (id: string) => this.kick(id);
  private readonly onFinished = (job: Job) => this.kick(job.id, job.status);

  constructor(
    private readonly engine: Engine,
    private readonly store: Store,
    private readonly caps: Config['limits']['streams'],
    private readonly log: FastifyBaseLogger,
  ) {
    engine.events.on('event', this.onEvent);
    engine.events.on('finished', this.onFinished);
    // With SQLite this daemon runs every job and says when each ends: the look is only a safety net.
    const pollMs = store.dialect === 'sqlite' ? 10_000 : 2_000;
    this.timers = [
      setInterval(() => this.byJob.forEach((_, id) => this.kick(id)), pollMs).unref(),
      setInterval(
        () => this.byJob.forEach((streams) => streams.forEach((s) => this.write(s, ': keep-alive\n\n'))),
        KEEP_ALIVE_MS,
      ).unref(),
    ];
  }

  /** Takes a slot for this caller and address (429 when none is left), then streams the job's events until it ends. */
  open(req: FastifyRequest, reply: FastifyReply, job: Job, present: EventView = wholeEvent): void {
    const token = req.caller!.tokenId;
    const address = req.ip;
    if ((this.perToken.get(token) ?? 0) >= this.caps.perToken) throw this.refuse(reply, 'token');
    if ((this.perAddress.get(address) ?? 0) >= this.caps.perAddress) throw this.refuse(reply, 'address');
    add(this.perToken, token, 1);
    add(this.perAddress, address, 1);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const streams = this.byJob.get(job.id) ?? new Set<Stream>();
    this.byJob.set(job.id, streams);
    let closed = false;
    const stream: Stream = {
      res,
      last: Number(req.headers['last-event-id'] ?? 0) || 0,
      present,
      close: () => {
        if (closed) return;
        closed = true;
        add(this.perToken, token, -1);
        add(this.perAddress, address, -1);
        streams.delete(stream);
        if (!streams.size && this.byJob.get(job.id) === streams) this.byJob.delete(job.id);
        res.end();
      },
    };
    streams.add(stream);
    // The client going away (or the daemon closing the connection) frees the slot.
    res.on('close', stream.close);
    this.kick(job.id);
  }

  /** Ends every stream and lets go of the engine: the API is closing. */
  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.engine.events.off('event', this.onEvent);
    this.engine.events.off('finished', this.onFinished);
    for (const streams of [...this.byJob.values()]) for (const s of [...streams]) s.close();
  }

  /** Reads the job's news for its streams; notices arriving during a read make one more read, not one each. */
  private kick(jobId: string, finished?: JobStatus): void {
    if (!this.byJob.has(jobId)) return;
    const under = this.reading.get(jobId);
    if (under) {
      under.again = true;
      under.finished ??= finished;
      return;
    }
    const state: { again: boolean; finished?: JobStatus } = { again: false, finished };
    this.reading.set(jobId, state);
    void (async () => {
      do {
        state.again = false;
        try {
          await this.send(jobId, state.finished);
        } catch (err) {
          this.log.error({ err, jobId }, 'could not read a job for its live streams');
        }
      } while (state.again && this.byJob.has(jobId));
      this.reading.delete(jobId);
    })();
  }

  private async send(jobId: string, finished: JobStatus | undefined): Promise<void> {
    const open = this.byJob.get(jobId);
    if (!open?.size) return;
    // The streams this read is for: one opened meanwhile has asked for its own read.
    const streams = new Set(open);
    const since = Math.min(...[...streams].map((s) => s.last));
    const events = await this.store.jobs.events(jobId, since);
    for (const s of streams) {
      for (const e of events) {
        if (e.id <= s.last) continue;
        s.last = e.id;
        this.write(s, `id: ${e.id}\nevent: ${e.kind}\ndata: ${JSON.stringify(s.present(e))}\n\n`);
      }
    }
    const status = finished ?? (await this.store.jobs.get(jobId))?.status;
    if (!status || !TERMINAL.includes(status)) return;
    for (const s of streams) {
      this.write(s, `event: end\ndata: ${JSON.stringify({ status })}\n\n`);
      s.close();
    }
  }

  private write(s: Stream, text: string): void {
    if (s.res.writableEnded) return;
    s.res.write(text);
    if (s.res.writableLength > MAX_UNSENT) s.close();
  }

  private refuse(reply: FastifyReply, by: 'token' | 'address') {
    const n = by === 'token' ? this.caps.perToken : this.caps.perAddress;
    return tooMany(reply, RETRY_SECONDS, (s) =>
      tooManyStreams(
        by,
        n,
        s,
        by === 'token'
          ? `limits.streams.perToken: ${n}`
          : `limits.streams.perAddress: ${n} (address ${reply.request.ip})`,
      ),
    );
  }
}

function add(counts: Map<string, number>, key: string, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}
