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
import { FEE_PLACES, FEE_UNITS_MAX } from './fees.js';

/**
 * Money inside the ledger: decimal.js with 50 significant digits, so that sums of prices ×
 * quantities never round (the shared `Decimal` keeps its default 20 for users). Values leave the
 * ledger as plain `Decimal` copies (construction never rounds).
 */
export const Money = Decimal.clone({ precision: 50 });

/** One fee unit (10^-FEE_PLACES) as Money. */
const FEE_SCALE: Decimal = new Money(10).pow(-FEE_PLACES);

/** Decimal places kept when a partial close splits the cost basis (a repeating quotient). */
const COST_PLACES = 12;

const out = (x: Decimal): Decimal => new Decimal(x);

/** Zero in ledger precision (Decimals are immutable, so one is enough). */
const MONEY_ZERO: Decimal = new Money(0);

/** Decimal places of a finite number as written (0.25 → 2, 1e-8 → 8). */
function placesOf(x: number): number {
  return new Decimal(x).decimalPlaces();
}

/** `n / d` (d > 0) rounded half away from zero, as decimal.js' default ROUND_HALF_UP. */
function divHalfUp(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= d) return n < 0n ? q - 1n : q + 1n;
  return q;
}

/**
 * Integer money of one instrument: cost in units of 10^-S (S ≥ 12, so a tick × a lot is a whole
 * number of units and a split cost basis rounds at 12 places exactly as before), realized PnL in
 * units of 10^-(S + places of the multiplier).
 */
interface Scales {
  /** Cost units per tick × lot. */
  unit: bigint;
  /** Units of one step of 12 decimal places (1 when S = 12). */
  quantum: bigint;
  /** The multiplier in units of 10^-(its places). */
  mult: bigint;
  /** 10^-S and 10^-(S + places of the multiplier) as Money. */
  costScale: Decimal;
  pnlScale: Decimal;
  /** 10^S and 10^(S + places of the multiplier) as Money, to read restored values. */
  costUp: Decimal;
  pnlUp: Decimal;
}

const scalesOf = new WeakMap<Instrument, Scales>();

function scales(inst: Instrument): Scales {
  let sc = scalesOf.get(inst);
  if (sc === undefined) {
    const S = Math.max(COST_PLACES, placesOf(inst.tickSize) + placesOf(inst.lotSize));
    const m = placesOf(inst.multiplier);
    const unit = new Money(inst.tickSize).times(inst.lotSize).times(new Money(10).pow(S));
    sc = {
      unit: BigInt(unit.toFixed(0)),
      quantum: 10n ** BigInt(S - COST_PLACES),
      mult: BigInt(new Money(inst.multiplier).times(new Money(10).pow(m)).toFixed(0)),
      costScale: new Money(10).pow(-S),
      pnlScale: new Money(10).pow(-(S + m)),
      costUp: new Money(10).pow(S),
      pnlUp: new Money(10).pow(S + m),
    };
    scalesOf.set(inst, sc);
  }
  return sc;
}

/** Largest unit and multiplier (in units) the plain-number path of {@link PositionLedger} takes. */
const PLAIN_MAX = 2n ** 40n;

/** A whole number of ticks × lots as a BigInt (a product beyond 2^53 is multiplied in BigInt). */
function tickLots(tick: number, lots: number): bigint {
  const x = tick * lots;
  return Number.isSafeInteger(x) ? BigInt(x) : BigInt(tick) * BigInt(lots);
}

/** A net position in lots with exact money fields (integers inside, Decimal when read). */
export class PositionLedger {
  readonly accountId: string;
  readonly inst: Instrument;
  /** Signed lots. */
  lots = 0;
  private readonly sc: Scales;
  /**
   * Cost basis in units of 10^-S and realized PnL in units of 10^-(S + multiplier places), see
   * {@link cost}. While `exact` each is held as two plain numbers instead, `hi` × unit + `lo`
   * (unit = the units of one tick × lot, 0 ≤ lo < unit), which needs no BigInt per fill. The
   * first fill that would take a value out of safe integers (or a negative price) moves both to
   * the BigInt fields for good, with the same values.
   */
  private costUnits = 0n;
  private pnlUnits = 0n;
  private costHi = 0;
  private costLo = 0;
  private pnlHi = 0;
  private pnlLo = 0;
  private exact: boolean;
  private readonly unitN: number;
  private readonly multN: number;
  /**
   * Fees paid: `feeBase` + `feeUnits` × 10^-FEE_PLACES. Fees that fit are summed as whole numbers
   * (exact below 2^53, moved into `feeBase` before a sum could pass it), so a fill adds no Decimal.
   */
  private feeBase: Decimal = MONEY_ZERO;
  private feeUnits = 0;

  /** Fees paid on this position (exact). */
  get fees(): Decimal {
    return this.feeUnits === 0 ? this.feeBase : this.feeBase.plus(new Money(this.feeUnits).times(FEE_SCALE));
  }

  set fees(v: Decimal) {
    this.feeBase = v;
    this.feeUnits = 0;
  }

  /** True when fees were paid (or rebated) on this position. */
  get hasFees(): boolean {
    return this.feeUnits !== 0 || !this.feeBase.isZero();
  }

  constructor(accountId: string, inst: Instrument) {
    this.accountId = accountId;
    this.inst = inst;
    this.sc = scales(inst);
    // The plain path needs the split to round at the unit (quantum 1) and a unit and multiplier
    // well inside safe integers.
    this.unitN = Number(this.sc.unit);
    this.multN = Number(this.sc.mult);
    this.exact = this.sc.quantum === 1n && this.sc.unit <= PLAIN_MAX && this.sc.mult <= PLAIN_MAX;
  }

  /** Leaves the plain-number path: the BigInt fields take the same values. */
  private toBig(): void {
    if (!this.exact) return;
    this.exact = false;
    this.costUnits = BigInt(this.costHi) * this.sc.unit + BigInt(this.costLo);
    this.pnlUnits = BigInt(this.pnlHi) * this.sc.unit + BigInt(this.pnlLo);
  }

  /**
   * {@link apply}'s position arithmetic on plain numbers: the same values as the BigInt path
   * (the split of the cost rounds half up at the unit, as `divHalfUp`). Returns false, having
   * changed nothing, when a value would leave safe integers or a price is negative.
   */
  private applyPlain(signedLots: number, tick: number): boolean {
    const U = this.unitN;
    const before = this.lots;
    const after = before + signedLots;
    const abs = signedLots < 0 ? -signedLots : signedLots;
    if (tick < 0 || !Number.isSafeInteger(tick * abs)) return false;
    if (before === 0 || before > 0 === signedLots > 0) {
      const hi = this.costHi + tick * abs;
      if (!Number.isSafeInteger(hi)) return false;
      this.costHi = hi;
      this.lots = after;
      return true;
    }
    const absBefore = before < 0 ? -before : before;
    const closing = Math.min(abs, absBefore);
    let closedHi = this.costHi;
    let closedLo = this.costLo;
    if (closing !== absBefore) {
      // (hi·U + lo)·closing / absBefore, rounded half up: hi·closing = q·absBefore + r, then
      // (r·U + lo·closing) / absBefore rounded (all ≥ 0, so half up is floor(x + ½)).
      const A = this.costHi * closing;
      const B = this.costLo * closing;
      if (!Number.isSafeInteger(A) || !Number.isSafeInteger(B)) return false;
      const r = A % absBefore;
      const q = (A - r) / absBefore;
      const L = r * U + B;
      if (!Number.isSafeInteger(L)) return false;
      const rl = L % absBefore;
      let ql = (L - rl) / absBefore;
      if (rl * 2 >= absBefore) ql++;
      const lo = ql % U;
      closedHi = q + (ql - lo) / U;
      closedLo = lo;
    }
    // Long closes gain (exit − entry), short closes (entry − exit), exit = tick × closing lots.
    const exit = tick * closing;
    const gHi = before > 0 ? exit - closedHi : closedHi - exit;
    const gLo = before > 0 ? -closedLo : closedLo;
    const mult = this.multN;
    let t = this.pnlLo + gLo * mult;
    let carry = Math.floor(t / U);
    t -= carry * U;
    if (t < 0) {
      t += U;
      carry--;
    } else if (t >= U) {
      t -= U;
      carry++;
    }
    const pnlHi = this.pnlHi + gHi * mult + carry;
    if (!Number.isSafeInteger(gHi * mult) || !Number.isSafeInteger(pnlHi) || !Number.isSafeInteger(gLo * mult))
      return false;
    let costHi = this.costHi - closedHi;
    let costLo = this.costLo - closedLo;
    if (costLo < 0) {
      costLo += U;
      costHi--;
    }
    if (after !== 0 && after > 0 !== before > 0) {
      // Reversal: the rest opens at this fill.
      costHi = tick * (after < 0 ? -after : after);
      costLo = 0;
    }
    this.costHi = costHi;
    this.costLo = costLo;
    this.pnlHi = pnlHi;
    this.pnlLo = t;
    this.lots = after;
    return true;
  }

  /**
   * Price × quantity paid for the open position (no multiplier). Kept instead of an average so
   * that realized + unrealized PnL always add up exactly to the fills' cash flows, even when the
   * average price is a repeating decimal (a split rounds at 12 places).
   */
  get cost(): Decimal {
    const units = this.exact ? BigInt(this.costHi) * this.sc.unit + BigInt(this.costLo) : this.costUnits;
    return units === 0n ? MONEY_ZERO : new Money(units.toString()).times(this.sc.costScale);
  }

  set cost(v: Decimal) {
    this.toBig();
    this.costUnits = BigInt(new Money(v).times(this.sc.costUp).toFixed(0));
  }

  /** Realized PnL in money (with the multiplier), before fees. */
  get realized(): Decimal {
    const units = this.exact ? BigInt(this.pnlHi) * this.sc.unit + BigInt(this.pnlLo) : this.pnlUnits;
    return units === 0n ? MONEY_ZERO : new Money(units.toString()).times(this.sc.pnlScale);
  }

  set realized(v: Decimal) {
    this.toBig();
    this.pnlUnits = BigInt(new Money(v).times(this.sc.pnlUp).toFixed(0));
  }

  /** True when this position has realized something. */
  get hasRealized(): boolean {
    return this.exact ? this.pnlHi !== 0 || this.pnlLo !== 0 : this.pnlUnits !== 0n;
  }

  /**
   * Applies a fill of `lots` (signed: + buy, − sell) at `tick` with its fee. Everything is whole
   * numbers of units: no Decimal on the way.
   */
  apply(signedLots: number, tick: number, fee: Decimal, feeUnits = Number.NaN): void {
    const sc = this.sc;
    if (!Number.isNaN(feeUnits)) {
      // An integer fee: summed as a number while the sum stays below 2^52 (exact).
      if (Math.abs(this.feeUnits) + Math.abs(feeUnits) >= FEE_UNITS_MAX) {
        this.feeBase = this.fees;
        this.feeUnits = 0;
      }
      this.feeUnits += feeUnits;
    } else if (!fee.isZero()) this.feeBase = this.feeBase.plus(fee);
    if (this.exact) {
      if (this.applyPlain(signedLots, tick)) return;
      this.toBig();
    }
    const before = this.lots;
    const after = before + signedLots;
    if (before === 0 || Math.sign(before) === Math.sign(signedLots)) {
      this.costUnits += tickLots(tick, Math.abs(signedLots)) * sc.unit;
    } else {
      const closing = Math.min(Math.abs(before), Math.abs(signedLots));
      const closedCost =
        closing === Math.abs(before)
          ? this.costUnits
          : divHalfUp(this.costUnits * BigInt(closing), BigInt(Math.abs(before)) * sc.quantum) * sc.quantum;
      this.costUnits -= closedCost;
      const exit = tickLots(tick, closing) * sc.unit;
      // Long closes gain (exit − entry); short closes gain (entry − exit).
      this.pnlUnits += (before > 0 ? exit - closedCost : closedCost - exit) * sc.mult;
      if (after !== 0 && Math.sign(after) !== Math.sign(before)) {
        // Reversal: the rest opens at this fill.
        this.costUnits = tickLots(tick, Math.abs(after)) * sc.unit;
      }
    }
    this.lots = after;
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
  readonly positions = new Map<string, PositionLedger>();

  /** Realized PnL of all positions (each keeps its own; the sum is exact). */
  get realized(): Decimal {
    let sum: Decimal = MONEY_ZERO;
    for (const p of this.positions.values()) if (p.hasRealized) sum = sum.plus(p.realized);
    return sum;
  }

  /** Fees of all positions. */
  get fees(): Decimal {
    let sum: Decimal = MONEY_ZERO;
    for (const p of this.positions.values()) if (p.hasFees) sum = sum.plus(p.fees);
    return sum;
  }

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
