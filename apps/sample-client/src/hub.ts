/**
 * One SignalR hub connection that stays up: automatic reconnect with backoff, a fresh login when
 * the server refuses the token, every subscription sent again after a reconnect (the gateway keeps
 * none and replays nothing), and a restart loop when the connection closes for good.
 */
import {
  HttpTransportType,
  type HubConnection,
  HubConnectionBuilder,
  HubConnectionState,
  LogLevel,
} from '@microsoft/signalr';
import { ExponentialBackoff, type ReconnectOptions } from './backoff.js';

/** Connection states a hub reports. */
export type HubState = 'connecting' | 'connected' | 'reconnecting' | 'reconnected' | 'disconnected';

/** A hub's state change. */
export interface HubStateChange {
  hub: 'user' | 'market';
  state: HubState;
  /** Reconnect attempts since the last good connection. */
  attempt: number;
  error?: Error;
}

/** Options of {@link HubLink}. */
export interface HubLinkOptions {
  name: 'user' | 'market';
  url: string;
  /** The current token (the link asks again on every (re)connect). */
  token: () => Promise<string>;
  /** Called when the server refused the token: forget it so the next `token()` logs in again. */
  tokenRefused: () => void;
  reconnect?: ReconnectOptions;
  /** Negotiate first (pysignalr does) or go straight to the WebSocket (the official samples). @default false */
  negotiate?: boolean;
  /** Server timeout, ms: no message for this long drops the connection. @default 30000 */
  serverTimeoutMs?: number;
  onState: (change: HubStateChange) => void;
  /** After every reconnect, once the subscriptions are sent again. */
  onResubscribed: () => void;
  onError: (err: Error) => void;
}

/** A resilient hub connection with its subscriptions. */
export class HubLink {
  readonly connection: HubConnection;
  private readonly subscriptions: Array<{ method: string; args: unknown[] }> = [];
  private attempts = 0;
  private stopped = false;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly policy: ExponentialBackoff;
  /** Completed reconnects (automatic or restarted). */
  reconnects = 0;

  constructor(private readonly opts: HubLinkOptions) {
    this.policy = new ExponentialBackoff(opts.reconnect, (ctx) => {
      this.attempts = ctx.previousRetryCount + 1;
      this.noteFailure(ctx.retryReason);
    });
    this.connection = new HubConnectionBuilder()
      .withUrl(opts.url, {
        skipNegotiation: !(opts.negotiate ?? false),
        transport: HttpTransportType.WebSockets,
        accessTokenFactory: () => opts.token(),
        timeout: 10_000,
      })
      .withAutomaticReconnect(this.policy)
      .withServerTimeout(opts.serverTimeoutMs ?? 30_000)
      .withKeepAliveInterval(Math.min(15_000, Math.floor((opts.serverTimeoutMs ?? 30_000) / 2)))
      .configureLogging(LogLevel.None)
      .build();
    this.connection.onreconnecting((err) => {
      this.opts.onState({ hub: opts.name, state: 'reconnecting', attempt: this.attempts, ...errOf(err) });
    });
    this.connection.onreconnected(() => void this.afterReconnect());
    this.connection.onclose((err) => {
      if (this.stopped) return;
      // Automatic reconnect gave up, or the server closed without allowing a reconnect: keep trying.
      this.opts.onState({ hub: opts.name, state: 'disconnected', attempt: this.attempts, ...errOf(err) });
      this.scheduleRestart();
    });
  }

  /** Registers a handler for a server event; a throwing handler is reported, not fatal. */
  on(event: string, handler: (...args: unknown[]) => void): void {
    this.connection.on(event, (...args: unknown[]) => {
      try {
        handler(...args);
      } catch (err) {
        this.opts.onError(err as Error);
      }
    });
  }

  /** Whether the connection is up. */
  get connected(): boolean {
    return this.connection.state === HubConnectionState.Connected;
  }

  /** Starts the connection (the first attempt's error is thrown). */
  async start(): Promise<void> {
    this.opts.onState({ hub: this.opts.name, state: 'connecting', attempt: 0 });
    try {
      await this.connection.start();
    } catch (err) {
      this.noteFailure(err as Error);
      throw err;
    }
    this.attempts = 0;
    this.opts.onState({ hub: this.opts.name, state: 'connected', attempt: 0 });
  }

  /** Invokes `method` now and again after every reconnect. */
  async subscribe(method: string, ...args: unknown[]): Promise<void> {
    if (!this.subscriptions.some((s) => s.method === method && sameArgs(s.args, args)))
      this.subscriptions.push({ method, args });
    if (this.connected) await this.connection.invoke(method, ...args);
  }

  /** Invokes `method` now and forgets the subscription it undoes. */
  async unsubscribe(subscribeMethod: string, method: string, ...args: unknown[]): Promise<void> {
    const i = this.subscriptions.findIndex((s) => s.method === subscribeMethod && sameArgs(s.args, args));
    if (i >= 0) this.subscriptions.splice(i, 1);
    if (this.connected) await this.connection.invoke(method, ...args);
  }

  /** A round trip: resolves after every message the server sent before it has been handled. */
  async roundTrip(): Promise<void> {
    const s = this.subscriptions[0];
    if (s === undefined || !this.connected) return;
    // Subscribing again is idempotent on the gateway and answers with a completion.
    await this.connection.invoke(s.method, ...s.args);
  }

  /** Stops for good. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    await this.connection.stop();
  }

  private noteFailure(err: Error | undefined): void {
    // A refused token (401 on the upgrade or negotiate) means: log in again before the next attempt.
    if (err !== undefined && /\b401\b|unauthori[sz]ed/i.test(String(err.message))) this.opts.tokenRefused();
  }

  private async afterReconnect(): Promise<void> {
    this.reconnects++;
    this.attempts = 0;
    try {
      for (const s of this.subscriptions) await this.connection.invoke(s.method, ...s.args);
    } catch (err) {
      this.opts.onError(err as Error);
      return;
    }
    this.opts.onState({ hub: this.opts.name, state: 'reconnected', attempt: 0 });
    this.opts.onResubscribed();
  }

  private scheduleRestart(): void {
    if (this.restartTimer !== undefined || this.stopped) return;
    const delay = this.policy.delay(this.attempts);
    if (delay === null) return;
    this.attempts++;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped) return;
      this.opts.onState({ hub: this.opts.name, state: 'reconnecting', attempt: this.attempts });
      this.connection.start().then(
        () => void this.afterReconnect(),
        (err: Error) => {
          this.noteFailure(err);
          if (this.connection.state === HubConnectionState.Disconnected) this.scheduleRestart();
        },
      );
    }, delay);
  }
}

function errOf(err: Error | undefined): { error?: Error } {
  return err === undefined ? {} : { error: err };
}

function sameArgs(a: unknown[], b: unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
