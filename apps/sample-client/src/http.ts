/**
 * REST to the gateway with `fetch`: the envelope, the bearer token (read from the JWT's `exp` and
 * refreshed through `Auth/validate` before it runs out), one retry for reads after a network error,
 * a 5xx or a 401 — and never a blind retry of a request that changes state.
 */
import type { Envelope } from './wire.js';
import { GatewayError } from './errors.js';

/** API-key credentials of `Auth/loginKey`. */
export interface Credentials {
  userName: string;
  apiKey: string;
}

/** Routes that change state: never retried, their failures are `SUBMISSION_UNCERTAIN`. */
const MUTATING = new Set([
  'order/place',
  'order/modify',
  'order/cancel',
  'position/closecontract',
  'position/partialclosecontract',
]);

/** Options of {@link GatewayHttp}. */
export interface GatewayHttpOptions {
  /** REST base, e.g. `https://api.topstepx.com` (routes are `<base>/api/<Controller>/<action>`). */
  baseUrl: string;
  credentials: Credentials;
  /** Per-request timeout, ms. @default 10000 */
  requestTimeoutMs?: number;
  /** Refresh the token when less than this remains, seconds. @default 300 */
  refreshBeforeSeconds?: number;
  /** Clock for token expiry, epoch ms. @default Date.now */
  now?: () => number;
}

/** REST access with token handling. */
export class GatewayHttp {
  private token: string | undefined;
  private expiresAtMs = 0;
  private readonly base: string;
  private refreshing: Promise<string> | undefined;
  /** Requests sent, by route (for tests and diagnostics). */
  readonly requests = new Map<string, number>();

  constructor(private readonly opts: GatewayHttpOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '').replace(/\/api$/, '');
  }

  /** The current token (logs in or refreshes first when needed). */
  async getToken(): Promise<string> {
    const now = (this.opts.now ?? Date.now)();
    if (this.token !== undefined && now < this.expiresAtMs - (this.opts.refreshBeforeSeconds ?? 300) * 1000)
      return this.token;
    if (this.refreshing === undefined) {
      const had = this.token;
      this.refreshing = (had === undefined ? this.login() : this.validate().catch(() => this.login())).finally(() => {
        this.refreshing = undefined;
      });
    }
    return this.refreshing;
  }

  /** Forgets the token (the server refused it): the next request logs in again. */
  forgetToken(): void {
    this.token = undefined;
    this.expiresAtMs = 0;
  }

  /** Logs in with the API key and keeps the token. */
  async login(): Promise<string> {
    const body = await this.send<{ token: string | null }>('Auth/loginKey', this.opts.credentials, false);
    if (!body.success || typeof body.token !== 'string')
      throw new GatewayError(
        'AUTH_FAILED',
        `Login as ${JSON.stringify(this.opts.credentials.userName)} was refused (errorCode ${body.errorCode}${body.errorMessage ? `: ${body.errorMessage}` : ''}). Check the user name and API key.`,
        { route: 'Auth/loginKey', errorCode: body.errorCode, errorMessage: body.errorMessage },
      );
    this.setToken(body.token);
    return body.token;
  }

  /** Renews the session through `Auth/validate`. */
  private async validate(): Promise<string> {
    const body = await this.send<{ newToken?: string | null }>('Auth/validate', {}, true);
    if (!body.success || typeof body.newToken !== 'string')
      throw new GatewayError('AUTH_FAILED', `Auth/validate refused the session (errorCode ${body.errorCode}).`, {
        route: 'Auth/validate',
        errorCode: body.errorCode,
      });
    this.setToken(body.newToken);
    return body.newToken;
  }

  private setToken(token: string): void {
    this.token = token;
    // Lifetime from the token's own claims (exp − iat), counted from now on this machine's clock, so
    // a server clock that differs from ours (a simulated one, or skew) does not expire it early.
    const lifetime = tokenLifetimeMs(token) ?? 3600_000;
    this.expiresAtMs = (this.opts.now ?? Date.now)() + lifetime;
  }

  /**
   * POSTs `body` to `/api/<route>` and returns the parsed envelope (also when `success` is false:
   * business failures are the caller's to read). Throws {@link GatewayError} for transport and
   * HTTP failures.
   */
  async call<T>(route: string, body: unknown): Promise<T & Envelope> {
    const mutating = MUTATING.has(route.toLowerCase());
    try {
      return await this.send<T>(route, body, true);
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      if (mutating) {
        if (err.code === 'NETWORK_ERROR' || (err.status !== undefined && err.status >= 500) || err.status === 401)
          throw new GatewayError(
            'SUBMISSION_UNCERTAIN',
            `${route} failed (${err.message}); whether it reached the exchange is unknown. Reconcile with Order/searchOpen and Order/search before acting again.`,
            { route, ...(err.status !== undefined ? { status: err.status } : {}), cause: err },
          );
        throw err;
      }
      // Reads are safe to repeat once: after a fresh login on 401, or straight away otherwise.
      if (err.status === 401) {
        this.token = undefined;
        return this.send<T>(route, body, true);
      }
      if (err.code === 'NETWORK_ERROR' || (err.status !== undefined && err.status >= 500))
        return this.send<T>(route, body, true);
      throw err;
    }
  }

  private async send<T>(route: string, body: unknown, auth: boolean): Promise<T & Envelope> {
    this.requests.set(route, (this.requests.get(route) ?? 0) + 1);
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (auth) headers.authorization = `Bearer ${await this.getToken()}`;
    let res: Response;
    try {
      res = await fetch(`${this.base}/api/${route}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.requestTimeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new GatewayError('NETWORK_ERROR', `${route}: no answer from ${this.base} (${(err as Error).message}).`, {
        route,
        cause: err,
      });
    }
    const text = await res.text().catch(() => '');
    if (res.status !== 200) {
      const retry = res.headers.get('retry-after');
      throw new GatewayError(
        'HTTP_ERROR',
        `${route}: HTTP ${res.status}${retry ? ` (retry after ${retry} s)` : ''}${text ? `: ${text.slice(0, 200)}` : ''}`,
        { route, status: res.status },
      );
    }
    try {
      return JSON.parse(text) as T & Envelope;
    } catch (err) {
      throw new GatewayError('HTTP_ERROR', `${route}: the answer is not JSON: ${text.slice(0, 200)}`, {
        route,
        status: res.status,
        cause: err,
      });
    }
  }
}

/** A JWT's lifetime (`exp − iat`) in ms, or undefined when it has no such claims (then 1 h is assumed). */
export function tokenLifetimeMs(token: string): number | undefined {
  const part = token.split('.')[1];
  if (part === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { exp?: unknown; iat?: unknown };
    if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number' || claims.exp <= claims.iat) return undefined;
    return (claims.exp - claims.iat) * 1000;
  } catch {
    return undefined;
  }
}
