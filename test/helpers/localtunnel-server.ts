// A loopback localtunnel server speaking the protocol of github.com/localtunnel/server:
// `GET /?new` or `GET /<subdomain>` registers a client and answers {id, port, max_conn_count, url};
// the client opens up to max_conn_count TCP sockets to `port`; every HTTP request for that client
// is written onto one of those sockets and the answer read back (an http.Agent whose connections
// are the client's sockets, as the real server's TunnelAgent does).
//
// No DNS here, so instead of `<id>.<domain>` each client gets its own public port on 127.0.0.1:
// its url is `http://127.0.0.1:<public port>`. Everything binds 127.0.0.1.
import { randomBytes } from 'node:crypto';
import { Agent, createServer, request, type ClientRequestArgs, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

const SUBDOMAIN = /^(?:[a-z0-9][a-z0-9-]{2,61}[a-z0-9])$/;

class TunnelAgent extends Agent {
  readonly available: Socket[] = [];
  readonly waiting: ((err: Error | null, socket: Duplex) => void)[] = [];
  connected = 0;
  constructor() {
    super({ keepAlive: true, maxFreeSockets: 1 });
  }
  accept(socket: Socket, max: number): void {
    if (this.connected >= max) return void socket.destroy();
    this.connected += 1;
    socket.once('close', () => {
      this.connected -= 1;
      const i = this.available.indexOf(socket);
      if (i >= 0) this.available.splice(i, 1);
    });
    socket.on('error', () => socket.destroy());
    const waiter = this.waiting.shift();
    if (waiter) waiter(null, socket);
    else this.available.push(socket);
  }
  // Hands out one of the client's sockets, or waits for the client to open one.
  override createConnection(_options: ClientRequestArgs, cb?: (err: Error | null, socket: Duplex) => void): undefined {
    if (!cb) return undefined;
    const socket = this.available.shift();
    if (socket) cb(null, socket);
    else this.waiting.push(cb);
    return undefined;
  }
}

interface Client {
  id: string;
  agent: TunnelAgent;
  tunnelServer: TcpServer;
  publicServer: Server;
  url: string;
  sockets: Set<Socket>;
}

export interface LocaltunnelServer {
  /** The server's base URL, what the client's `host` option takes. */
  url: string;
  port: number;
  clients(): { id: string; url: string; sockets: number }[];
  /** Requests handed to clients so far. */
  forwarded(): number;
  /** Closes everything at once, as a crashed server would: control port, tunnel ports, public ports, sockets. */
  kill(): Promise<void>;
}

function listenOn(server: Server | TcpServer, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

export async function startLocaltunnelServer(opts: { port?: number; maxConnCount?: number } = {}): Promise<LocaltunnelServer> {
  const maxConn = opts.maxConnCount ?? 4;
  const clients = new Map<string, Client>();
  const allSockets = new Set<Socket>();
  let forwarded = 0;
  const track = (socket: Socket) => {
    allSockets.add(socket);
    socket.once('close', () => allSockets.delete(socket));
  };

  async function newClient(id: string): Promise<Client> {
    const agent = new TunnelAgent();
    const sockets = new Set<Socket>();
    const tunnelServer = createTcpServer((socket) => {
      track(socket);
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      agent.accept(socket, maxConn);
    });
    const publicServer = createServer((req: IncomingMessage, res: ServerResponse) => {
      forwarded += 1;
      const upstream = request({ agent, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('tunnel error');
      });
      req.pipe(upstream);
    });
    publicServer.on('connection', track);
    await listenOn(tunnelServer, 0);
    const publicPort = await listenOn(publicServer, 0);
    return { id, agent, tunnelServer, publicServer, url: `http://127.0.0.1:${publicPort}`, sockets };
  }

  const control = createServer(async (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET') return reply(405, { message: 'method not allowed' });
    let id: string;
    if (url.pathname === '/' && url.searchParams.has('new')) id = randomBytes(5).toString('hex');
    else {
      id = url.pathname.slice(1);
      if (!SUBDOMAIN.test(id)) return reply(403, { message: 'Invalid subdomain. Subdomains must be lowercase and between 4 and 63 alphanumeric characters.' });
      if (clients.has(id)) return reply(403, { message: `subdomain ${id} is in use` });
    }
    const client = await newClient(id);
    clients.set(id, client);
    reply(200, { id, port: (client.tunnelServer.address() as AddressInfo).port, max_conn_count: maxConn, url: client.url });
  });
  control.on('connection', track);
  const port = await listenOn(control, opts.port ?? 0);

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    clients: () => [...clients.values()].map((c) => ({ id: c.id, url: c.url, sockets: c.sockets.size })),
    forwarded: () => forwarded,
    async kill() {
      const closing: Promise<void>[] = [];
      const closeServer = (s: Server | TcpServer) => closing.push(new Promise((resolve) => s.close(() => resolve())));
      closeServer(control);
      for (const c of clients.values()) {
        closeServer(c.tunnelServer);
        closeServer(c.publicServer);
        c.agent.destroy();
        for (const w of c.agent.waiting.splice(0)) w(new Error('server stopped'), null as unknown as Duplex);
      }
      clients.clear();
      for (const s of allSockets) s.destroy();
      await Promise.all(closing);
    },
  };
}
