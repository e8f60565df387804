// The loopback HTTP plumbing the non-EVM devnets share, free of any chain protocol: bounded body
// reading, request counting, the flaky-provider fault modes, interval mining and a stop that also
// ends hanging requests. Each devnet keeps its own routes, error shapes and fault bodies.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChainLogger } from '../evm/chain-logger.ts';

export type DevnetFault = 'none' | 'http429' | 'http503' | 'hang' | 'malformed';

/** A fixed answer: its content type and body. */
export interface CannedResponse {
  contentType: string;
  body: string;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

export class BodyTooLargeError extends Error {}

/** The request body as UTF-8; rejects with BodyTooLargeError (and drops the request) past 4 MiB. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError(`body size is too big, the limit is ${MAX_BODY_BYTES}`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Answers with a content-length; nothing when the client has already gone. */
export function send(res: ServerResponse, status: number, contentType: string, body: string | Uint8Array, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  res.writeHead(status, { 'content-type': contentType, 'content-length': payload.length, ...headers });
  res.end(payload);
}

export interface DevnetServerOptions {
  /** Starts the log lines, e.g. 'tron devnet'. */
  name: string;
  logger: ChainLogger;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** What the fault modes answer (429 also carries Retry-After: 1). */
  faultResponses: Record<'http429' | 'http503' | 'malformed', CannedResponse>;
  /** The 500 answer when a handler throws. */
  internalError: CannedResponse;
  /** A handler's BodyTooLargeError becomes 413 with its message (not logged) rather than internalError. */
  bodyTooLargeAs413?: boolean;
}

export interface DevnetServer {
  /** Resolves with the base URL once listening (port 0 = a free port). */
  listen(host: string, port: number): Promise<string>;
  setFault(mode: DevnetFault): void;
  /** Answers the request as the current fault mode says; false (nothing sent) in mode 'none'. */
  answerFault(res: ServerResponse): boolean;
  count(key: string): void;
  requestCounts(): Record<string, number>;
  resetCounts(): void;
  /** Calls mineBlock every blockTimeMs until stop() (0 = never); a failure is logged, not fatal. */
  mineEvery(blockTimeMs: number, mineBlock: () => unknown): void;
  /** Idempotent: ends interval mining and hanging requests, then closes the server. */
  stop(): Promise<void>;
}

export function createDevnetServer(options: DevnetServerOptions): DevnetServer {
  const { name, logger } = options;
  let fault: DevnetFault = 'none';
  let counts: Record<string, number> = {};
  const hanging = new Set<ServerResponse>();
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let url = '';

  const server: Server = createServer((req, res) => {
    void options.handle(req, res).catch((error: unknown) => {
      const tooLarge = options.bodyTooLargeAs413 === true && error instanceof BodyTooLargeError;
      if (!tooLarge) logger.error({ err: (error as Error).message }, `${name}: handler crashed`);
      if (res.headersSent || res.destroyed) return;
      if (tooLarge) send(res, 413, 'text/plain', (error as Error).message);
      else send(res, 500, options.internalError.contentType, options.internalError.body);
    });
  });

  return {
    async listen(host, port) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      url = `http://${host}:${(server.address() as AddressInfo).port}`;
      return url;
    },
    setFault(mode) {
      fault = mode;
      logger.info({ fault: mode }, `${name}: fault mode`);
    },
    answerFault(res) {
      switch (fault) {
        case 'http429': {
          const { contentType, body } = options.faultResponses.http429;
          send(res, 429, contentType, body, { 'retry-after': '1' });
          return true;
        }
        case 'http503':
          send(res, 503, options.faultResponses.http503.contentType, options.faultResponses.http503.body);
          return true;
        case 'hang':
          // Never answered; the client's timeout (or stop()) ends it.
          hanging.add(res);
          res.on('close', () => hanging.delete(res));
          return true;
        case 'malformed':
          send(res, 200, options.faultResponses.malformed.contentType, options.faultResponses.malformed.body);
          return true;
        case 'none':
          return false;
      }
    },
    count(key) {
      counts[key] = (counts[key] ?? 0) + 1;
    },
    requestCounts: () => ({ ...counts }),
    resetCounts() {
      counts = {};
    },
    mineEvery(blockTimeMs, mineBlock) {
      if (blockTimeMs <= 0) return;
      const scheduleBlock = (): void => {
        timer = setTimeout(() => {
          void (async () => {
            try {
              await mineBlock();
            } catch (error) {
              logger.error({ err: (error as Error).message }, `${name}: interval mining failed`);
            }
            if (!stopped) scheduleBlock();
          })();
        }, blockTimeMs);
        timer.unref();
      };
      scheduleBlock();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      for (const res of hanging) res.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      logger.info({ url }, `${name}: stopped`);
    },
  };
}
