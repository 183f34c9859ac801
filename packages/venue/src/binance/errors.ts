/**
 * Binance error frames: `{ code, msg }` with the HTTP status Binance answers with. The codes and
 * messages are the ones ccxt maps to its exception classes (see docs/BINANCE.md).
 */

/** A refused request: the HTTP status, Binance's negative error code and its message. */
export class BinanceReject extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly msg: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(msg);
  }

  /** The JSON body Binance sends. */
  get body(): { code: number; msg: string } {
    return { code: this.code, msg: this.msg };
  }
}

/** Builders of the refusals the profile sends. */
export const reject = {
  unknown: (msg = 'An unknown error occurred while processing the request.') => new BinanceReject(400, -1000, msg),
  tooManyRequests: (limit: number, retryAfterS: number) =>
    new BinanceReject(
      429,
      -1003,
      `Too many requests; current limit of IP(127.0.0.1) is ${limit} requests per minute. Please use the websocket for live updates to avoid polling the API.`,
      { 'retry-after': String(retryAfterS) },
    ),
  banned: (untilMs: number, retryAfterS: number) =>
    new BinanceReject(418, -1003, `Way too much request weight used; IP banned until ${untilMs}.`, {
      'retry-after': String(retryAfterS),
    }),
  unauthorized: () => new BinanceReject(401, -2015, 'Invalid API-key, IP, or permissions for action.'),
  badApiKeyFormat: () => new BinanceReject(401, -2014, 'API-key format invalid.'),
  timestamp: () => new BinanceReject(400, -1021, 'Timestamp for this request is outside of the recvWindow.'),
  signature: () => new BinanceReject(400, -1022, 'Signature for this request is not valid.'),
  mandatory: (name: string) =>
    new BinanceReject(400, -1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`),
  badParam: (name: string) => new BinanceReject(400, -1100, `Illegal characters found in parameter '${name}'.`),
  invalidValue: (msg: string) => new BinanceReject(400, -1111, msg),
  badRecvWindow: () => new BinanceReject(400, -1131, 'recvWindow must be less than 60000'),
  badSymbol: () => new BinanceReject(400, -1121, 'Invalid symbol.'),
  badInterval: () => new BinanceReject(400, -1120, 'Invalid interval.'),
  badOrderType: () => new BinanceReject(400, -1116, 'Invalid orderType.'),
  badSide: () => new BinanceReject(400, -1117, 'Invalid side.'),
  badTif: () => new BinanceReject(400, -1115, 'Invalid timeInForce.'),
  filter: (filter: string) => new BinanceReject(400, -1013, `Filter failure: ${filter}`),
  insufficientBalance: () => new BinanceReject(400, -2010, 'Account has insufficient balance for requested action.'),
  newOrderRejected: (msg: string) => new BinanceReject(400, -2010, msg),
  cancelRejected: () => new BinanceReject(400, -2011, 'Unknown order sent.'),
  noSuchOrder: () => new BinanceReject(400, -2013, 'Order does not exist.'),
  marginInsufficient: () => new BinanceReject(400, -2019, 'Margin is insufficient.'),
  wouldTrigger: () => new BinanceReject(400, -2021, 'Order would immediately trigger.'),
  reduceOnlyRejected: () => new BinanceReject(400, -2022, 'ReduceOnly Order is rejected.'),
  postOnlyRejected: () =>
    new BinanceReject(
      400,
      -5022,
      'Due to the order could not be executed as maker, the Post Only order will be rejected.',
    ),
  listenKeyInvalid: () => new BinanceReject(400, -1125, 'This listenKey does not exist.'),
  unknownRoute: () => new BinanceReject(404, -1000, 'Unknown endpoint.'),
  notModifiable: () => new BinanceReject(400, -2013, 'Order does not exist.'),
} as const;
