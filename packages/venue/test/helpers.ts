// biome-ignore-all lint/suspicious/noExplicitAny: hub payloads are parsed JSON checked by the tests
/** Test helpers: deterministic market data, REST calls and a SignalR event recorder with timeouts. */
import { HttpTransportType, type HubConnection, HubConnectionBuilder, LogLevel } from '@microsoft/signalr';
import type { MarketEvent } from '@tradekit/types';

export const T0 = Date.UTC(2025, 0, 2, 14, 30) * 1000;
export const S = 1_000_000;
export const MNQ = {
  symbol: 'MNQ',
  tickSize: 0.25,
  multiplier: 2,
  contractId: 'CON.F.US.MNQ.U25',
  symbolId: 'F.US.MNQ',
  name: 'MNQU5',
};

/** One quote and one trade per second: `price(i)` is the bid of second i, the ask one tick above. */
export function tape(seconds: number, price: (i: number) => number, symbol = 'MNQ'): MarketEvent[] {
  const out: MarketEvent[] = [];
  for (let i = 0; i < seconds; i++) {
    const bid = price(i);
    out.push({ type: 'quote', symbol, ts: T0 + i * S, bid, bidSize: 10, ask: bid + 0.25, askSize: 10 });
    out.push({ type: 'trade', symbol, ts: T0 + i * S + 1, price: bid, size: 1, side: 'sell' });
  }
  return out;
}

/** POSTs JSON and returns status and parsed body. */
export async function post(
  url: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/plain' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // keep text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

export async function login(base: string, userName = 'trader', apiKey = 'sim-key'): Promise<string> {
  const r = await post(`${base}/api/Auth/loginKey`, { userName, apiKey });
  if (r.status !== 200 || !r.body?.success) throw new Error(`login failed: ${JSON.stringify(r.body)}`);
  return r.body.token as string;
}

/** Records every event a hub connection receives; `next` waits (with a timeout) for a matching one. */
export class Recorder {
  readonly events: Array<{ name: string; args: any[] }> = [];
  private waiters: Array<{
    pred: (e: { name: string; args: any[] }) => boolean;
    resolve: (e: any) => void;
    from: number;
  }> = [];
  private cursors = new Map<string, number>();

  constructor(conn: HubConnection, names: string[]) {
    for (const name of names) {
      conn.on(name, (...args: any[]) => {
        const e = { name, args };
        this.events.push(e);
        this.waiters = this.waiters.filter((w) => {
          if (w.pred(e)) {
            w.resolve(e);
            return false;
          }
          return true;
        });
      });
    }
  }

  /** Waits for the next event (after the last one `next` returned) matching `pred`. */
  next(name: string, pred: (data: any, e: { args: any[] }) => boolean = () => true, timeoutMs = 5000): Promise<any> {
    const match = (e: { name: string; args: any[] }) => e.name === name && pred(e.args[e.args.length - 1], e);
    for (let i = this.cursors.get(name) ?? 0; i < this.events.length; i++) {
      const e = this.events[i] as { name: string; args: any[] };
      if (match(e)) {
        this.cursors.set(name, i + 1);
        return Promise.resolve(e.args[e.args.length - 1]);
      }
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${name}`)),
        timeoutMs,
      );
      this.waiters.push({
        pred: match,
        from: 0,
        resolve: (e) => {
          clearTimeout(timer);
          this.cursors.set(name, this.events.indexOf(e) + 1);
          resolve(e.args[e.args.length - 1]);
        },
      });
    });
  }

  count(name: string): number {
    return this.events.filter((e) => e.name === name).length;
  }
}

/** An unmodified @microsoft/signalr client for a venue hub. */
export function hubClient(url: string, token: () => string, negotiate: boolean): HubConnection {
  return new HubConnectionBuilder()
    .withUrl(`${url}?access_token=${encodeURIComponent(token())}`, {
      skipNegotiation: !negotiate,
      transport: HttpTransportType.WebSockets,
      accessTokenFactory: token,
      timeout: 10_000,
    })
    .withAutomaticReconnect([0, 20, 50, 100, 200])
    .configureLogging(LogLevel.None)
    .build();
}

/** Resolves when `fn` returns true, polling every 5 ms, or rejects after the timeout. */
export async function until(fn: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
