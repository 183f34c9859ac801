/** Bounded waits on what the client reports (wall time; each names what it waited for). */
import type { HubStateChange, TradingSuite } from 'sample-client';

/** Resolves on the next `connection` event of `hub` reaching `state`. */
export function nextState(
  suite: TradingSuite,
  hub: 'user' | 'market',
  state: HubStateChange['state'],
  timeoutMs = 10_000,
): Promise<HubStateChange> {
  return suite.waitFor(
    'connection',
    (s) => s.hub === hub && s.state === state,
    timeoutMs,
    `the ${hub} hub to be ${state}`,
  );
}
