/** The client's one error class: a stable `code`, and the gateway's own answer when there was one. */

/** Stable codes of {@link GatewayError}. */
export type GatewayErrorCode =
  /** Login refused (wrong user name or key). */
  | 'AUTH_FAILED'
  /** A business failure: HTTP 200 with `success: false` (see `errorCode` / `errorMessage`). */
  | 'REQUEST_FAILED'
  /** The order was refused by the gateway (`Order/place` code 2 or another non-zero code). */
  | 'ORDER_REJECTED'
  /** HTTP status other than 200 (400, 401, 404, 413, 429, 5xx). */
  | 'HTTP_ERROR'
  /** The request never got an answer (connection refused, reset, timeout). */
  | 'NETWORK_ERROR'
  /** A mutating request (place, cancel, modify, close) failed in a way that leaves its outcome unknown; reconcile. */
  | 'SUBMISSION_UNCERTAIN'
  /** The symbol or contract is not listed. */
  | 'CONTRACT_NOT_FOUND'
  /** No account, or not the one asked for. */
  | 'ACCOUNT_NOT_FOUND'
  /** A wait ran out of time. */
  | 'TIMEOUT'
  /** Bad input to a client method. */
  | 'INVALID_ARGUMENT'
  /** The suite was disconnected. */
  | 'CLOSED';

/** An error from the sample client. */
export class GatewayError extends Error {
  /** Stable code. */
  readonly code: GatewayErrorCode;
  /** The route, e.g. `Order/place`, when the error came from a request. */
  readonly route: string | undefined;
  /** The gateway's per-route `errorCode`, when it answered. */
  readonly errorCode: number | undefined;
  /** The gateway's `errorMessage`, when it answered. */
  readonly errorMessage: string | null | undefined;
  /** HTTP status, when there was one. */
  readonly status: number | undefined;
  /** The order id the gateway gave a rejected order. */
  readonly orderId: number | undefined;

  constructor(
    code: GatewayErrorCode,
    message: string,
    details: {
      route?: string;
      errorCode?: number;
      errorMessage?: string | null;
      status?: number;
      orderId?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.route = details.route;
    this.errorCode = details.errorCode;
    this.errorMessage = details.errorMessage;
    this.status = details.status;
    this.orderId = details.orderId;
  }
}
