/**
 * Request signing as Binance checks it: HMAC-SHA256 (lowercase hex) over the query string and the
 * form body with the `signature` parameter removed, `X-MBX-APIKEY` naming the key, and `timestamp`
 * within `recvWindow` of the server's (wall) time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { BinanceReject, reject } from './errors.js';

/** The raw query string and body of a request with its `signature` parameter removed. */
export function payloadWithoutSignature(
  rawQuery: string,
  rawBody: string,
): { payload: string; signature: string | undefined } {
  let signature: string | undefined;
  const strip = (raw: string): string => {
    if (raw === '') return raw;
    const kept: string[] = [];
    for (const part of raw.split('&')) {
      if (part.startsWith('signature=')) signature = decodeURIComponent(part.slice('signature='.length));
      else kept.push(part);
    }
    return kept.join('&');
  };
  return { payload: strip(rawQuery) + strip(rawBody), signature };
}

/** HMAC-SHA256 of `payload` with `secret`, lowercase hex. */
export function hmacHex(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

/** True when `signature` is the HMAC of `payload` (constant-time). */
export function signatureMatches(secret: string, payload: string, signature: string | undefined): boolean {
  if (signature === undefined || !/^[0-9a-fA-F]{64}$/.test(signature)) return false;
  const want = Buffer.from(hmacHex(secret, payload), 'hex');
  return timingSafeEqual(want, Buffer.from(signature.toLowerCase(), 'hex'));
}

/**
 * Checks `timestamp` and `recvWindow` against the server time `nowMs`: a request is valid when
 * `timestamp < now + 1000` and `now - timestamp <= recvWindow` (Binance's rule).
 */
export function checkTimestamp(params: Record<string, string>, nowMs: number): void {
  const ts = params.timestamp;
  if (ts === undefined || ts === '') throw reject.mandatory('timestamp');
  if (!/^\d+$/.test(ts)) throw reject.badParam('timestamp');
  let window = 5000;
  if (params.recvWindow !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(params.recvWindow)) throw reject.badParam('recvWindow');
    window = Number(params.recvWindow);
    if (window > 60_000) throw reject.badRecvWindow();
  }
  const t = Number(ts);
  if (!(t < nowMs + 1000 && nowMs - t <= window)) throw reject.timestamp();
}

export { BinanceReject };
