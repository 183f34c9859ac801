// biome-ignore-all lint/suspicious/noExplicitAny: hub payloads are parsed JSON
/**
 * The load bench's SignalR client: the JSON hub protocol over raw `ws`, the same frames
 * @microsoft/signalr sends and reads (handshake, invocations with ids, completions), light enough
 * that 1,000 of them fit beside the venue on a 2-core machine. Quote frames can be counted without
 * parsing (the venue writes one record per frame).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebSocket } from 'ws';

export const RS = '\u001e';
const QUOTE_PREFIX = '{"type":1,"target":"GatewayQuote"';

export interface Hub {
  ws: WebSocket;
  /** Invokes a hub method and resolves on its completion (rejects after `timeoutMs`). */
  invoke(target: string, ...args: unknown[]): Promise<void>;
}

export interface HubHandlers {
  /** Called once per GatewayQuote frame, unparsed. */
  onQuote?: () => void;
  /** Every other pushed invocation, parsed. */
  onEvent?: (target: string, args: any[]) => void;
  /** The socket closed (code, reason). */
  onClose?: (code: number, reason: string) => void;
}

/** Opens `url` (ws://…/hubs/x?access_token=…), completes the JSON handshake within `timeoutMs`. */
export function connectHub(url: string, handlers: HubHandlers, timeoutMs = 60_000): Promise<Hub> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let id = 0;
    const pending = new Map<string, { resolve: () => void; reject: (e: Error) => void; t: NodeJS.Timeout }>();
    let ready = false;
    let rest = '';
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`hub handshake did not complete within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.on('open', () => ws.send(`{"protocol":"json","version":1}${RS}`));
    ws.on('error', (err) => {
      if (!ready) {
        clearTimeout(timer);
        reject(err);
      }
    });
    ws.on('close', (code, reason) => {
      for (const p of pending.values()) {
        clearTimeout(p.t);
        p.reject(new Error(`hub closed (${code}) before the call completed`));
      }
      pending.clear();
      handlers.onClose?.(code, reason.toString());
    });
    const hub: Hub = {
      ws,
      invoke: (target, ...args) =>
        new Promise((res, rej) => {
          const invocationId = String(++id);
          const t = setTimeout(() => {
            pending.delete(invocationId);
            rej(new Error(`${target} did not complete within ${timeoutMs} ms`));
          }, timeoutMs);
          pending.set(invocationId, { resolve: res, reject: rej, t });
          ws.send(`${JSON.stringify({ type: 1, target, arguments: args, invocationId })}${RS}`);
        }),
    };
    ws.on('message', (data) => {
      const text = data.toString();
      if (ready && rest === '' && text.startsWith(QUOTE_PREFIX)) {
        handlers.onQuote?.();
        return;
      }
      const parts = (rest + text).split(RS);
      rest = parts.pop() ?? '';
      for (const p of parts) {
        if (!ready) {
          ready = true;
          clearTimeout(timer);
          const hs = JSON.parse(p);
          if (hs.error) {
            reject(new Error(`handshake refused: ${hs.error}`));
            return;
          }
          resolve(hub);
          continue;
        }
        if (p.startsWith(QUOTE_PREFIX)) {
          handlers.onQuote?.();
          continue;
        }
        const m = JSON.parse(p);
        if (m.type === 1) handlers.onEvent?.(m.target, m.arguments);
        else if (m.type === 3) {
          const w = pending.get(m.invocationId);
          if (w) {
            pending.delete(m.invocationId);
            clearTimeout(w.t);
            if (m.error) w.reject(new Error(m.error));
            else w.resolve();
          }
        } else if (m.type === 7) handlers.onEvent?.('Close', [m]);
      }
    });
  });
}

/** Event-loop delay of this process (ms figures), sampled every 2 ms. */
export function loopDelay(): { reset(): void; read(): { p50: number; p99: number; max: number } } {
  const h = monitorEventLoopDelay({ resolution: 2 });
  h.enable();
  return {
    reset: () => h.reset(),
    read: () => ({
      p50: Number((h.percentile(50) / 1e6).toFixed(2)),
      p99: Number((h.percentile(99) / 1e6).toFixed(2)),
      max: Number((h.max / 1e6).toFixed(2)),
    }),
  };
}

/** `p` or a rejection naming `what` after `ms`. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
    }),
  ]);
}

/** A child's end of the IPC channel: exits when the bench (its parent) goes away. */
export function childChannel<In>(onMessage: (m: In) => void): (m: unknown) => void {
  if (process.send === undefined) throw new Error('run this through bench/run.ts (it needs an IPC channel)');
  process.on('message', (m) => onMessage(m as In));
  process.on('disconnect', () => process.exit(2));
  const fail = (err: unknown) => {
    process.send?.({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    process.exit(1);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  return (m) => process.send?.(m);
}
