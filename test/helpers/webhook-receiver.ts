// A shop's webhook endpoint on loopback: a real node:http server that records every request as it
// arrived (raw body, lowercased headers) and answers as the test says: a status, a real delay (a
// slow shop), a dropped connection. Tests wait on what arrived, never on a sleep.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readBody } from './rpc-proxy.ts';

export interface ReceivedWebhook {
  method: string;
  /** Path and query, as sent. */
  path: string;
  /** Header names lowercased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  rawBody: string;
  /** Date.now() when the whole body had arrived. */
  receivedAt: number;
}

export interface WebhookAnswer {
  /** Default 200. */
  status?: number;
  /** Milliseconds to wait (a real timer) before answering. */
  delayMs?: number;
  /** Default "ok". */
  body?: string;
  /** Extra response headers (e.g. a Location for a redirect). */
  headers?: Record<string, string>;
  /** Drop the connection instead of answering (after delayMs). */
  destroy?: boolean;
}

/** nth: 1-based count of requests this receiver has had, this one included. */
export type WebhookResponder = (req: ReceivedWebhook, nth: number) => WebhookAnswer | Promise<WebhookAnswer>;

export interface WebhookReceiver {
  url: string;
  port: number;
  /** Every request so far, in order of arrival. */
  received: ReceivedWebhook[];
  /**
   * Resolves with the predicate's first truthy result, checked now and on every arrival; rejects
   * after timeoutMs naming `what` and what did arrive.
   */
  waitFor<T>(predicate: (received: ReceivedWebhook[]) => T | null | undefined | false, what: string, timeoutMs?: number): Promise<T>;
  setRespond(fn: WebhookResponder): void;
  /** Requests that arrived and have not been answered yet (a slow or hanging answer). */
  unanswered(): number;
  /** Stops listening, drops open connections (hanging requests included) and cancels pending answers. */
  close(): Promise<void>;
}

export interface WebhookReceiverOptions {
  respond?: WebhookResponder;
  /** Listen on this loopback port (e.g. the port of a receiver that was closed); default any free port. */
  port?: number;
}

/** The parsed JSON body of a request (throws on a body that is not JSON). */
export const jsonBody = <T = any>(req: ReceivedWebhook): T => JSON.parse(req.rawBody) as T;

export async function startWebhookReceiver(opts: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
  let respond: WebhookResponder = opts.respond ?? (() => ({ status: 200 }));
  const received: ReceivedWebhook[] = [];
  const waiters = new Set<() => void>();
  /** Pending delays: close() ends them at once. */
  const delays = new Map<NodeJS.Timeout, () => void>();
  const sockets = new Set<Socket>();
  let pendingAnswers = 0;
  let closed = false;

  const notify = () => {
    for (const wake of [...waiters]) wake();
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        delays.delete(timer);
        resolve();
      }, ms);
      delays.set(timer, resolve);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const rawBody = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    const request: ReceivedWebhook = { method: req.method ?? '', path: req.url ?? '', headers, rawBody, receivedAt: Date.now() };
    received.push(request);
    pendingAnswers++;
    notify();
    try {
      const answer = await respond(request, received.length);
      if (answer.delayMs) await sleep(answer.delayMs);
      if (closed || res.destroyed) return;
      if (answer.destroy) {
        req.socket.destroy();
        return;
      }
      res.writeHead(answer.status ?? 200, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? 'ok');
    } finally {
      pendingAnswers--;
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/webhooks/kassa`,
    port,
    received,
    waitFor<T>(predicate: (list: ReceivedWebhook[]) => T | null | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const check = (): boolean => {
          let result: T | null | undefined | false;
          try {
            result = predicate(received);
          } catch (error) {
            finish();
            reject(error as Error);
            return true;
          }
          if (!result) return false;
          finish();
          resolve(result);
          return true;
        };
        const timer = setTimeout(() => {
          finish();
          const seen = received.map(
            (r) => `${r.path} ${r.headers['x-kassa-event-type'] ?? r.headers['x-claude-pay-event-type'] ?? '?'} ${r.headers['x-kassa-event-id'] ?? r.headers['x-claude-pay-event-id'] ?? ''}`,
          );
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${received.length} request(s) arrived: ${JSON.stringify(seen)}`));
        }, timeoutMs);
        const wake = () => void check();
        function finish() {
          clearTimeout(timer);
          waiters.delete(wake);
        }
        if (!check()) waiters.add(wake);
      });
    },
    setRespond(fn) {
      respond = fn;
    },
    unanswered: () => pendingAnswers,
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        for (const [timer, resolveDelay] of delays) {
          clearTimeout(timer);
          resolveDelay();
        }
        delays.clear();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
