import type { AddressInfo } from 'node:net';
import { TradeKitError, expectNumber } from '@tradekit/types';
import { WebSocketServer } from 'ws';

/** Options for {@link createEchoServer}. */
export interface EchoServerOptions {
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** Port; 0 picks a free one. @default 0 */
  port?: number;
}

/** A running echo server; see {@link createEchoServer}. */
export interface EchoServer {
  /** `ws://host:port`. */
  readonly url: string;
  /** The port listened on (the one picked when `port` was 0). */
  readonly port: number;
  /** Disconnects every client and closes the port. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * A WebSocket server that sends every frame straight back: the baseline target for `runLoad`
 * and `tradekit ws-load` (it measures the driver and the machine, not an application).
 *
 * @example
 * await using echo = await createEchoServer();
 * const report = await runLoad({ url: echo.url, connections: 10, duration: '5s' });
 */
export async function createEchoServer(options: EchoServerOptions = {}): Promise<EchoServer> {
  const host = options.host ?? '127.0.0.1';
  const port = expectNumber('WS_ECHO_INVALID_OPTION', 'port', options.port ?? 0, { integer: true, min: 0, max: 65535 });
  const wss = new WebSocketServer({ host, port, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', (err) =>
      reject(
        new TradeKitError(
          'WS_ECHO_LISTEN_FAILED',
          `Could not listen on ${host}:${port}: ${err.message}. Pick a free port or use 0.`,
          { cause: err },
        ),
      ),
    );
  });
  wss.on('error', () => {});
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  const addr = wss.address() as AddressInfo;
  const close = async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
  return { url: `ws://${host}:${addr.port}`, port: addr.port, close, [Symbol.asyncDispose]: close };
}
