/**
 * Positions and accounts: net position per symbol with average entry, realized PnL on
 * reductions and reversals, unrealized PnL marked to market, fees, equity and buying power.
 */
import {
  type AccountSnapshot,
  Decimal,
  type Instrument,
  type Micros,
  type Position,
  lotsToQuantity,
  ticksToPrice,
} from '@tradekit/types';

/**
 * Money inside the ledger: decimal.js with 50 significant digits, so that sums of prices ×
 * quantities never round (the shared `Decimal` keeps its default 20 for users). Values leave the
 * ledger as plain `Decimal` copies (construction never rounds).
 */
export const Money = Decimal.clone({ precision: 50 });

/** Decimal places kept when a partial close splits the cost basis (a repeating quotient). */
const COST_PLACES = 12;

const out = (x: Decimal): Decimal => new Decimal(x);

/** Zero in ledger precision (Decimals are immutable, so one is enough). */
const MONEY_ZERO: Decimal = new Money(0);

/** A net position in lots with exact money fields. */
export class PositionLedger {
  readonly accountId: string;
  readonly inst: Instrument;
  /** Signed lots. */
  lots = 0;
  /**
   * Price × quantity paid for the open position (no multiplier). Kept instead of an average so
   * that realized + unrealized PnL always add up exactly to the fills' cash flows, even when the
   * average price is a repeating decimal.
   */
  cost: Decimal = new Money(0);
  realized: Decimal = new Money(0);
  fees: Decimal = new Money(0);

  constructor(accountId: string, inst: Instrument) {
    this.accountId = accountId;
    this.inst = inst;
  }

  /**
   * Applies a fill of `lots` (signed: + buy, − sell) at `price`. Returns the realized PnL of
   * this fill (reduction or reversal), before fees.
   */
  apply(signedLots: number, price: Decimal, fee: Decimal): Decimal {
    const inst = this.inst;
    if (!fee.isZero()) this.fees = this.fees.plus(fee);
    let realized: Decimal = MONEY_ZERO;
    const before = this.lots;
    const after = before + signedLots;
    if (before === 0 || Math.sign(before) === Math.sign(signedLots)) {
      this.cost = this.cost.plus(price.times(lotsToQuantity(inst, Math.abs(signedLots))));
    } else {
      const closing = Math.min(Math.abs(before), Math.abs(signedLots));
      const qty = lotsToQuantity(inst, closing);
      const closedCost =
        closing === Math.abs(before)
          ? this.cost
          : this.cost.times(closing).div(Math.abs(before)).toDecimalPlaces(COST_PLACES);
      this.cost = this.cost.minus(closedCost);
      const exit = price.times(qty);
      // Long closes gain (exit − entry); short closes gain (entry − exit).
      realized = (before > 0 ? exit.minus(closedCost) : closedCost.minus(exit)).times(inst.multiplier);
      this.realized = this.realized.plus(realized);
      if (after !== 0 && Math.sign(after) !== Math.sign(before)) {
        // Reversal: the rest opens at this fill.
        this.cost = price.times(lotsToQuantity(inst, Math.abs(after)));
      }
    }
    this.lots = after;
    return realized;
  }

  /** Average entry price of the open quantity; 0 when flat. */
  get avgPrice(): Decimal {
    if (this.lots === 0) return new Decimal(0);
    // Shown with the shared Decimal's 20 significant digits (an average may repeat).
    return new Decimal(this.cost.toString()).div(lotsToQuantity(this.inst, Math.abs(this.lots)));
  }

  /** Unrealized PnL at `markTick` (NaN = no mark yet → 0). */
  unrealized(markTick: number): Decimal {
    if (this.lots === 0 || Number.isNaN(markTick)) return new Money(0);
    const mark = new Money(ticksToPrice(this.inst, markTick));
    const value = mark.times(lotsToQuantity(this.inst, Math.abs(this.lots)));
    return (this.lots > 0 ? value.minus(this.cost) : this.cost.minus(value)).times(this.inst.multiplier);
  }

  /** The public view. */
  toPosition(markTick: number): Position {
    const p: Position = {
      accountId: this.accountId,
      symbol: this.inst.symbol,
      quantity: this.lots < 0 ? -lotsToQuantity(this.inst, -this.lots) : lotsToQuantity(this.inst, this.lots),
      avgPrice: this.avgPrice,
      realizedPnl: out(this.realized),
      unrealizedPnl: out(this.unrealized(markTick)),
      fees: out(this.fees),
    };
    if (!Number.isNaN(markTick)) p.markPrice = ticksToPrice(this.inst, markTick);
    return p;
  }
}

/** One trading account: starting cash and its positions. */
export class AccountLedger {
  readonly id: string;
  /** Integer key used by the matching core for self-trade prevention. */
  readonly key: number;
  readonly currency: string;
  readonly startingBalance: Decimal;
  realized: Decimal = new Money(0);
  fees: Decimal = new Money(0);
  readonly positions = new Map<string, PositionLedger>();

  constructor(id: string, key: number, startingBalance: Decimal, currency: string) {
    this.id = id;
    this.key = key;
    this.startingBalance = new Money(startingBalance);
    this.currency = currency;
  }

  position(inst: Instrument): PositionLedger {
    let p = this.positions.get(inst.symbol);
    if (p === undefined) {
      p = new PositionLedger(this.id, inst);
      this.positions.set(inst.symbol, p);
    }
    return p;
  }

  /** Balance = starting cash + realized PnL − fees. */
  balance(): Decimal {
    return this.startingBalance.plus(this.realized).minus(this.fees);
  }

  /**
   * A point-in-time snapshot. `markOf` gives a symbol's mark tick, `orderMargin` the margin
   * held by working orders.
   */
  snapshot(ts: Micros, markOf: (symbol: string) => number, orderMargin: Decimal): AccountSnapshot {
    let unrealized: Decimal = new Money(0);
    let margin = orderMargin;
    const positions: Position[] = [];
    for (const p of this.positions.values()) {
      const mark = markOf(p.inst.symbol);
      const pos = p.toPosition(mark);
      unrealized = unrealized.plus(pos.unrealizedPnl);
      if (p.lots !== 0 && p.inst.marginPerContract > 0) {
        margin = margin.plus(new Decimal(p.inst.marginPerContract).times(lotsToQuantity(p.inst, Math.abs(p.lots))));
      }
      positions.push(pos);
    }
    const balance = this.balance();
    const equity = balance.plus(unrealized);
    return {
      accountId: this.id,
      currency: this.currency,
      balance: out(balance),
      equity: out(equity),
      realizedPnl: out(this.realized),
      unrealizedPnl: out(unrealized),
      fees: out(this.fees),
      marginUsed: out(margin),
      buyingPower: out(equity.minus(margin)),
      positions,
      ts,
    };
  }
}
