// biome-ignore-all lint/suspicious/noExplicitAny: gateway payloads are parsed JSON
import { HttpTransportType, type HubConnection, HubConnectionBuilder, LogLevel } from '@microsoft/signalr';
import { INSTRUMENT } from './market.js';

/** POSTs a ProjectX route with the JSON body; returns the parsed envelope. */
export async function gateway(baseUrl: string, route: string, body: unknown, token?: string): Promise<any> {
  const res = await fetch(`${baseUrl}/api/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`${route}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** Logs in with an API key (ProjectX `Auth/loginKey`); returns the session token. */
export async function login(baseUrl: string, userName: string, apiKey: string): Promise<string> {
  const r = await gateway(baseUrl, 'Auth/loginKey', { userName, apiKey });
  if (!r.success || typeof r.token !== 'string') throw new Error(`login of ${userName} failed: ${JSON.stringify(r)}`);
  return r.token;
}

/** An unmodified @microsoft/signalr client for a venue hub, WebSockets only, as the official samples connect. */
export function hubConnection(url: string, token: string): HubConnection {
  return new HubConnectionBuilder()
    .withUrl(`${url}?access_token=${encodeURIComponent(token)}`, {
      skipNegotiation: true,
      transport: HttpTransportType.WebSockets,
      accessTokenFactory: () => token,
      timeout: 10_000,
    })
    .configureLogging(LogLevel.None)
    .build();
}

/** The contract every load client trades and watches. */
export const CONTRACT_ID = INSTRUMENT.contractId;
