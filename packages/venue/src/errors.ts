/** Stable error codes of @tradekit/venue (listed in docs/errors/venue.md). */

/** `createVenue` got an invalid option. */
export const CONFIG_INVALID = 'VENUE_CONFIG_INVALID';
/** A control call (`advance`, `runUntil`) was invalid or not possible on this clock. */
export const CONTROL_INVALID = 'VENUE_CONTROL_INVALID';
/** The venue could not listen on its port. */
export const LISTEN_FAILED = 'VENUE_LISTEN_FAILED';
/** The market source threw while the venue was reading it. */
export const SOURCE_FAILED = 'VENUE_SOURCE_FAILED';
/** The venue is closed. */
export const CLOSED = 'VENUE_CLOSED';
/** A parity run could not complete its live side (a request failed, a hub was lost, a wait timed out). */
export const PARITY_FAILED = 'VENUE_PARITY_FAILED';
/** The strategy uses something the gateway cannot express (OCO groups, post-only, tick or volume bars…). */
export const PARITY_UNSUPPORTED = 'VENUE_PARITY_UNSUPPORTED';
/**
 * On the wire (the error text of a SignalR Close message, reconnect allowed): the market-hub fan-out
 * fell more than `projectx.maxPendingWrites` socket writes behind, so the connections still waiting
 * were cut.
 */
export const FANOUT_OVERLOAD = 'VENUE_FANOUT_OVERLOAD';
