/**
 * A process-wide guard for tests that must never leave the machine: every TCP connection (and DNS
 * lookup) to a host that is not loopback is refused before a socket is opened, and recorded so
 * the test that tried can be failed. Clients such as ccxt fall back to the real exchange's hosts
 * for any URL that was not overridden; the guard turns that into a test failure instead of traffic.
 */
import dns from 'node:dns';
import net from 'node:net';

/** One refused attempt. */
export interface LoopbackEscape {
  /** Host (name or address) the connection was for. */
  host: string;
  /** Port, when known. */
  port: number | undefined;
  /** `connect` or `lookup`. */
  via: 'connect' | 'lookup';
}

const escapes: LoopbackEscape[] = [];
let installed = false;

/** True for loopback addresses and `localhost`. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined || host === '') return true; // Node's default host is localhost
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  if (/^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  return false;
}

function refusal(host: string, port: number | undefined): Error {
  const err = new Error(
    `Loopback guard: refused a connection to ${host}${port === undefined ? '' : `:${port}`}. Tests may only reach 127.0.0.1; override the client's URLs (see the venue's Binance doc).`,
  ) as Error & { code: string };
  err.code = 'ECONNREFUSED';
  return err;
}

/**
 * Installs the guard (idempotent). Afterwards `net` connections and `dns.lookup` calls for a
 * non-loopback host fail with `ECONNREFUSED` before any packet is sent, and are recorded for
 * {@link takeLoopbackEscapes}.
 *
 * @example
 * installLoopbackGuard();
 * afterEach(() => assertNoLoopbackEscapes());
 */
export function installLoopbackGuard(): void {
  if (installed) return;
  installed = true;
  const connect = net.Socket.prototype.connect;
  // biome-ignore lint/suspicious/noExplicitAny: Socket.connect has many overloads
  net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: any[]): net.Socket {
    const first = args[0];
    let host: string | undefined;
    let port: number | undefined;
    let path: string | undefined;
    if (Array.isArray(first)) {
      // Internal normalized form: [options, callback].
      const o = first[0] ?? {};
      host = o.host;
      port = o.port;
      path = o.path;
    } else if (typeof first === 'object' && first !== null) {
      host = first.host;
      port = first.port === undefined ? undefined : Number(first.port);
      path = first.path;
    } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
      port = Number(first);
      host = typeof args[1] === 'string' ? args[1] : undefined;
    } else if (typeof first === 'string') {
      path = first;
    }
    if (path === undefined && !isLoopbackHost(host)) {
      const h = host as string;
      escapes.push({ host: h, port, via: 'connect' });
      const err = refusal(h, port);
      process.nextTick(() => this.destroy(err));
      return this;
    }
    return connect.apply(this, args as Parameters<typeof connect>);
  } as typeof connect;

  const lookup = dns.lookup;
  // biome-ignore lint/suspicious/noExplicitAny: dns.lookup has many overloads
  (dns as any).lookup = function guardedLookup(hostname: string, ...rest: any[]) {
    if (!isLoopbackHost(hostname)) {
      escapes.push({ host: hostname, port: undefined, via: 'lookup' });
      const cb = rest[rest.length - 1];
      if (typeof cb === 'function') process.nextTick(() => cb(refusal(hostname, undefined)));
      return {};
    }
    return (lookup as (...a: unknown[]) => unknown)(hostname, ...rest);
  };
  const plookup = dns.promises.lookup;
  // biome-ignore lint/suspicious/noExplicitAny: same overloads
  (dns.promises as any).lookup = async (hostname: string, ...rest: any[]) => {
    if (!isLoopbackHost(hostname)) {
      escapes.push({ host: hostname, port: undefined, via: 'lookup' });
      throw refusal(hostname, undefined);
    }
    return (plookup as (...a: unknown[]) => Promise<unknown>)(hostname, ...rest);
  };
}

/** Returns and clears the attempts refused since the last call. */
export function takeLoopbackEscapes(): LoopbackEscape[] {
  return escapes.splice(0, escapes.length);
}

/** Throws when any non-loopback attempt was refused since the last check (use it in `afterEach`). */
export function assertNoLoopbackEscapes(): void {
  const list = takeLoopbackEscapes();
  if (list.length > 0)
    throw new Error(
      `This test tried to leave loopback ${list.length} time(s): ${list
        .map((e) => `${e.via} ${e.host}${e.port === undefined ? '' : `:${e.port}`}`)
        .join(', ')}. Override every URL the client uses.`,
    );
}
