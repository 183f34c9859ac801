/** Positions and PnL of one account: from hub events, the gateway's searches and the last quote. */
import { GatewayError } from './errors.js';
import type { GatewayHttp } from './http.js';
import { type Fill, type Position, toPosition } from './model.js';
import type { Store } from './store.js';
import type { WirePosition } from './wire.js';

/** Positions of one account. */
export class PositionManager {
  constructor(
    private readonly http: GatewayHttp,
    private readonly accountId: number,
    private readonly contract: { id: string; tickSize: number; tickValue: number },
    private readonly store: Store,
    private readonly lastPrice: () => number | undefined,
    private readonly waitMs: number,
  ) {}

  /** The position in a contract (the suite's by default); size 0 when flat. */
  get(contractId = this.contract.id): Position {
    return this.store.positions.get(contractId) ?? { contractId, size: 0, averagePrice: 0, openedAt: Number.NaN };
  }

  /** Every open position. */
  all(): Position[] {
    return [...this.store.positions.values()];
  }

  /** Signed size in the suite's contract (negative = short). */
  size(): number {
    return this.get().size;
  }

  /** Whether the suite's contract is flat. */
  isFlat(): boolean {
    return this.size() === 0;
  }

  /** Fills seen for the suite's contract, in time order. */
  fills(): Fill[] {
    return [...this.store.fills.values()]
      .filter((f) => f.contractId === this.contract.id)
      .sort((a, b) => a.time - b.time || a.id - b.id);
  }

  /**
   * Realized PnL of the suite's contract from the fills seen (gross, before fees), exact to the cent:
   * summed in integer cents, not floating point.
   */
  realizedPnl(): number {
    let cents = 0;
    for (const f of this.fills()) if (f.pnl !== null) cents += Math.round(f.pnl * 100);
    return cents / 100;
  }

  /** Fees paid on the suite's contract, exact to the cent. */
  fees(): number {
    let cents = 0;
    for (const f of this.fills()) cents += Math.round(f.fees * 100);
    return cents / 100;
  }

  /** Unrealized PnL of the open position at the last price (NaN without a price). */
  unrealizedPnl(): number {
    const p = this.get();
    if (p.size === 0) return 0;
    const last = this.lastPrice();
    if (last === undefined || !Number.isFinite(last)) return Number.NaN;
    const ticks = Math.round((last - p.averagePrice) / this.contract.tickSize);
    return Math.round(ticks * this.contract.tickValue * p.size * 100) / 100;
  }

  /** Closes the whole position at market (`Position/closeContract`). */
  async close(contractId = this.contract.id): Promise<void> {
    const res = await this.http.call('Position/closeContract', { accountId: this.accountId, contractId });
    if (!res.success)
      throw new GatewayError(
        'REQUEST_FAILED',
        `Closing ${contractId} was refused (errorCode ${res.errorCode}${res.errorMessage ? `: ${res.errorMessage}` : ''}).`,
        { route: 'Position/closeContract', errorCode: res.errorCode, errorMessage: res.errorMessage },
      );
  }

  /** Closes `size` contracts at market (`Position/partialCloseContract`). */
  async partialClose(size: number, contractId = this.contract.id): Promise<void> {
    const res = await this.http.call('Position/partialCloseContract', { accountId: this.accountId, contractId, size });
    if (!res.success)
      throw new GatewayError(
        'REQUEST_FAILED',
        `Closing ${size} of ${contractId} was refused (errorCode ${res.errorCode}${res.errorMessage ? `: ${res.errorMessage}` : ''}).`,
        { route: 'Position/partialCloseContract', errorCode: res.errorCode, errorMessage: res.errorMessage },
      );
  }

  /** `Position/searchOpen`: what the gateway holds now. */
  async searchOpen(): Promise<Position[]> {
    const res = await this.http.call<{ positions: WirePosition[] | null }>('Position/searchOpen', {
      accountId: this.accountId,
    });
    if (!res.success)
      throw new GatewayError('REQUEST_FAILED', `Position/searchOpen failed (errorCode ${res.errorCode}).`, {
        route: 'Position/searchOpen',
        errorCode: res.errorCode,
      });
    return (res.positions ?? []).map(toPosition);
  }

  /** Waits until the suite's position has `size` (signed); rejects after `timeoutMs`. */
  waitForSize(size: number, timeoutMs = this.waitMs): Promise<Position> {
    return this.store.until(
      () => (this.size() === size ? this.get() : undefined),
      timeoutMs,
      `position ${this.contract.id} to be ${size} (it is ${this.size()})`,
    );
  }
}
