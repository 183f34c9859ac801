// Test-only helper (not exported): a raw `ws` client that collects parsed frames and lets a test
// wait for a condition on them without sleeping.
import WebSocket from 'ws';

export interface CollectingClient {
  ws: WebSocket;
  messages: Array<Record<string, unknown>>;
  closed: Promise<number>;
  send(value: unknown): void;
  sendRaw(data: string | Buffer): void;
  waitFor(pred: (messages: Array<Record<string, unknown>>) => boolean, what?: string): Promise<void>;
}

export async function openClient(url: string): Promise<CollectingClient> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const messages: Array<Record<string, unknown>> = [];
  const waiters: Array<{ pred: (m: typeof messages) => boolean; resolve: () => void }> = [];
  const check = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i] as (typeof waiters)[number];
      if (w.pred(messages)) {
        waiters.splice(i, 1);
        w.resolve();
      }
    }
  };
  ws.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as Record<string, unknown>);
    check();
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    messages,
    closed,
    send: (v) => ws.send(JSON.stringify(v)),
    sendRaw: (d) => ws.send(d),
    waitFor: (pred, what = 'condition') =>
      new Promise<void>((resolve, reject) => {
        if (pred(messages)) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(messages).slice(0, 500)}`)),
          10_000,
        );
        waiters.push({
          pred,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
  };
}

/** An async event source the test feeds by hand; `pushed()` resolves once the consumer asked for more. */
export class GatedSource<T> implements AsyncIterable<T> {
  private queue: T[] = [];
  private ended = false;
  private wake: (() => void) | undefined;
  private pulled: (() => void) | undefined;

  push(...items: T[]): Promise<void> {
    this.queue.push(...items);
    const p = new Promise<void>((resolve) => {
      this.pulled = resolve;
    });
    this.wake?.();
    return p;
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (true) {
      if (this.queue.length === 0) {
        // Everything pushed so far has been taken and handled: tell the test.
        this.pulled?.();
        if (this.ended) return;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        continue;
      }
      yield this.queue.shift() as T;
    }
  }
}
