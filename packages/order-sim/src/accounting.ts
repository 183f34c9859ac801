/**
 * Accounting: the accounts, their positions and cash, the fee schedule, and the margin that
 * positions and working orders hold. Every fill's money passes through {@link Accounting.book}.
 */
import {
  type AccountSnapshot,
  type Clock,
  Decimal,
  type Instrument,
  TradeKitError,
  describeValue,
  lotsToQuantity,
} from '@tradekit/types';
import type { FeeSchedule } from './fees.js';
import { AccountLedger, type PositionLedger } from './ledger.js';
import type { MarketState } from './market-state.js';
import type { ResolvedOptions } from './options.js';
import { BUY } from './order-book.js';
import type { WorkingOrder } from './working-order.js';

const MONEY_ZERO_OUT = new Decimal(0);

/** The money side of one fill (a record reused from fill to fill: read it at once). */
export interface BookedFill {
  price: Decimal;
  quantity: number;
  fee: Decimal;
  position: PositionLedger;
}

/** The accounts of one exchange. */
export class Accounting {
  readonly accounts = new Map<string, AccountLedger>();
  /** True when some instrument defines a margin (working orders then hold margin). */
  readonly anyMargin: boolean;
  private readonly booked: BookedFill = {
    price: MONEY_ZERO_OUT,
    quantity: 0,
    fee: MONEY_ZERO_OUT,
    position: null as never,
  };

  constructor(
    private readonly clock: Clock,
    readonly fees: FeeSchedule,
    specs: ResolvedOptions['accounts'],
    instruments: readonly Instrument[],
    private readonly markets: Map<string, MarketState>,
  ) {
    for (const a of specs)
      this.accounts.set(a.id, new AccountLedger(a.id, this.accounts.size + 1, a.balance, a.currency));
    this.anyMargin = instruments.some((i) => i.marginPerContract > 0);
  }

  /** The id of {@link lastAccount} (a symbol until an account was found: no id equals it). */
  private lastId: unknown = Symbol('none');
  private lastAccount: AccountLedger | undefined = undefined;

  /** The account with this id; throws `EXCHANGE_UNKNOWN_ACCOUNT` otherwise. */
  account(id: string): AccountLedger {
    // Orders mostly repeat an account: the last one found is remembered (accounts never change
    // after construction).
    if (id === this.lastId) return this.lastAccount as AccountLedger;
    const a = this.accounts.get(id);
    if (a === undefined) {
      throw new TradeKitError(
        'EXCHANGE_UNKNOWN_ACCOUNT',
        `Expected \`accountId\` to be one of ${[...this.accounts.keys()].map((k) => `"${k}"`).join(', ')}, got ${describeValue(id)}. Declare it in new Exchange({ accounts: [...] }).`,
        { details: { field: 'accountId', value: id } },
      );
    }
    this.lastId = id;
    this.lastAccount = a;
    return a;
  }

  /** Books a fill of `w`: fee, position, realized PnL. */
  book(w: WorkingOrder, tick: number, lots: number, liquidity: 'maker' | 'taker', firstFill: boolean): BookedFill {
    const m = w.market;
    const inst = m.inst;
    const price = m.fillPrice(tick);
    const quantity = m.qty(lots);
    const fee = m.fee(this.fees, tick, lots, liquidity, firstFill);
    const acct = w.account;
    const position = acct.position(inst);
    // Integer money inside; the account's totals are the sums of its positions'.
    position.apply(w.cside === BUY ? lots : -lots, tick, fee, m.lastFeeUnits);
    // One record reused for every fill: the caller reads it at once and keeps none of it.
    const b = this.booked;
    b.price = price;
    b.quantity = quantity;
    b.fee = fee;
    b.position = position;
    return b;
  }

  /** An account's balances, equity, margin and positions now; `extra` is left out of order margin. */
  snapshot(a: AccountLedger, open: Iterable<WorkingOrder>, extra?: WorkingOrder): AccountSnapshot {
    let orderMargin = new Decimal(0);
    // Working orders only hold margin on instruments that define one: skip the scan otherwise.
    if (this.anyMargin)
      for (const w of open) {
        if (
          w === extra ||
          w.account !== a ||
          w.req?.reduceOnly ||
          w.status === 'inactive' ||
          w.status === 'pending_new'
        )
          continue;
        const inst = w.market.inst;
        if (inst.marginPerContract > 0 && w.remainingLots > 0) {
          orderMargin = orderMargin.plus(
            new Decimal(inst.marginPerContract).times(lotsToQuantity(inst, w.remainingLots)),
          );
        }
      }
    return a.snapshot(this.clock.now(), (s) => (this.markets.get(s) as MarketState).markTick(), orderMargin);
  }
}
