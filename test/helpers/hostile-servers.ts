/**
 * Small misbehaving servers on loopback for the conformance runner's tests. Each returns its base
 * URL; `closeHostileServers()` (from an afterEach) closes every one started so far.
 */
import { type Server, createServer } from 'node:http';
import { type AddressInfo, type Server as NetServer, type Socket, createServer as createNetServer } from 'node:net';

const cleanups: Array<() => Promise<void>> = [];

export async function closeHostileServers(): Promise<void> {
  while (cleanups.length > 0) await cleanups.pop()!();
}

function urlOf(server: NetServer | Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A raw TCP server on loopback; `onSocket` decides how badly it behaves. */
export async function tcpServer(onSocket: (socket: Socket) => void): Promise<string> {
  const sockets = new Set<Socket>();
  const server: NetServer = createNetServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return urlOf(server);
}

/** A raw TCP server that waits for the end of each request's headers before calling `onRequest`. */
export async function tcpResponder(onRequest: (socket: Socket, head: string) => void): Promise<string> {
  return tcpServer((s) => {
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      s.off('data', onData);
      // The request body (if any) is read and ignored so the client is never blocked writing it.
      s.resume();
      onRequest(s, head);
    };
    s.on('data', onData);
  });
}

export async function httpServer(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return urlOf(server);
}

/** A port nothing listens on. */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Calls `tick` every `ms` until the socket (or response) closes. */
export function every(ms: number, target: { on(event: 'close', cb: () => void): unknown }, tick: () => void): void {
  const timer = setInterval(tick, ms);
  target.on('close', () => clearInterval(timer));
}
