/**
 * Session tokens: real JWTs (HS256, signed with `jose`) with an `exp` claim on the venue clock,
 * so clients that read `exp` to refresh work, and tests expire tokens by advancing virtual time.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '@tradekit/types';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import type { VenueAccount } from '../core.js';

/** A logged-in API user. */
export interface Session {
  readonly id: string;
  readonly userName: string;
  /** Account ids this user owns. */
  readonly accountIds: ReadonlySet<number>;
  ended: boolean;
}

/** The outcome of checking a token. */
export type TokenCheck =
  | { ok: true; session: Session; exp: number }
  | { ok: false; reason: 'missing' | 'invalid' | 'expired' | 'ended'; session?: Session };

/** Issues and verifies session tokens. */
export class TokenService {
  private readonly secret: Uint8Array;
  private readonly sessions = new Map<string, Session>();
  private readonly cache = new Map<string, { session: Session; exp: number }>();
  private nextSession = 1;

  constructor(
    private readonly clock: Clock,
    private readonly lifetimeUs: number,
    secret?: string,
  ) {
    this.secret = secret === undefined ? new Uint8Array(randomBytes(32)) : new TextEncoder().encode(secret);
  }

  /** Starts a session for a user (after the API key was checked). */
  async login(userName: string, accounts: Iterable<VenueAccount>): Promise<string> {
    const ids = new Set<number>();
    for (const a of accounts) if (a.userName === userName) ids.add(a.id);
    const session: Session = { id: `s${this.nextSession++}`, userName, accountIds: ids, ended: false };
    this.sessions.set(session.id, session);
    return this.issue(session);
  }

  /** A new token for the same session (Auth/validate). */
  issue(session: Session): Promise<string> {
    const nowS = Math.floor(this.clock.now() / 1e6);
    const expS = Math.floor((this.clock.now() + this.lifetimeUs) / 1e6);
    return new SignJWT({ sid: session.id, acc: [...session.accountIds] })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(session.userName)
      .setIssuedAt(nowS)
      .setExpirationTime(expS)
      .setIssuer('tradekit-venue')
      .sign(this.secret);
  }

  /** Checks a token against the signature, the session and `exp` on the venue clock. */
  async check(token: string | undefined): Promise<TokenCheck> {
    if (token === undefined || token === '') return { ok: false, reason: 'missing' };
    let entry = this.cache.get(token);
    if (entry === undefined) {
      try {
        // Signature and claims only; `exp` is checked below against the venue clock.
        const { payload } = await jwtVerify(token, this.secret, { issuer: 'tradekit-venue', currentDate: new Date(0) });
        const session = this.sessions.get(String(payload.sid));
        if (session === undefined || typeof payload.exp !== 'number') return { ok: false, reason: 'invalid' };
        entry = { session, exp: payload.exp * 1e6 };
        if (this.cache.size > 100_000) this.cache.clear();
        this.cache.set(token, entry);
      } catch (err) {
        if (err instanceof joseErrors.JOSEError) return { ok: false, reason: 'invalid' };
        throw err;
      }
    }
    if (entry.session.ended) return { ok: false, reason: 'ended', session: entry.session };
    if (this.clock.now() >= entry.exp) return { ok: false, reason: 'expired', session: entry.session };
    return { ok: true, session: entry.session, exp: entry.exp };
  }

  /** The same check without awaiting, for tokens seen before (hot paths); `undefined` when unknown. */
  checkCached(token: string): TokenCheck | undefined {
    const entry = this.cache.get(token);
    if (entry === undefined) return undefined;
    if (entry.session.ended) return { ok: false, reason: 'ended', session: entry.session };
    if (this.clock.now() >= entry.exp) return { ok: false, reason: 'expired', session: entry.session };
    return { ok: true, session: entry.session, exp: entry.exp };
  }

  /** Ends a session: its tokens stop working. */
  logout(session: Session): void {
    session.ended = true;
  }
}

/** The bearer token of a request: `Authorization: Bearer …` or the `access_token` query parameter. */
export function bearerToken(authorization: unknown, url: string | undefined): string | undefined {
  if (typeof authorization === 'string' && /^Bearer\s/i.test(authorization)) return authorization.slice(7).trim();
  if (url === undefined) return undefined;
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get('access_token') ?? undefined;
}
