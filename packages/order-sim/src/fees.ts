/**
 * Fee schedules: per-contract commission, maker/taker rates in basis points (negative = rebate)
 * and a fixed fee per order, charged on the order's first fill.
 */
import { Decimal, invalidValue } from '@tradekit/types';

/** What the exchange charges. All fields default to 0. */
export interface FeeSpec {
  /** Money per contract (unit of quantity) per fill, e.g. 0.62 for a micro future. @default 0 */
  perContract?: number;
  /** Maker rate in basis points of notional (negative = rebate). @default 0 */
  makerBps?: number;
  /** Taker rate in basis points of notional. @default 0 */
  takerBps?: number;
  /** Fixed money per order, charged once on its first fill. @default 0 */
  perOrder?: number;
}

/** Decimal places of the integer fee units the ledger sums fees in (a fee with more places is summed as a Decimal). */
export const FEE_PLACES = 10;
const FEE_UP = new Decimal(10).pow(FEE_PLACES);
/** Largest fee, in units, summed as a number (so that a sum of two stays exact below 2^53). */
export const FEE_UNITS_MAX = 2 ** 52;

/** A fee in integer units of 10^-FEE_PLACES, or NaN when it has more places or is too large. */
export function feeUnits(fee: Decimal): number {
  const u = fee.times(FEE_UP);
  return u.isInteger() && u.abs().lt(FEE_UNITS_MAX) ? u.toNumber() : Number.NaN;
}

const BPS = new Decimal(10_000);
const ZERO = new Decimal(0);

/** Computes the fee of each fill as an exact Decimal. */
export class FeeSchedule {
  private readonly perContract: Decimal;
  private readonly maker: Decimal;
  private readonly taker: Decimal;
  private readonly perOrder: Decimal;
  /** The spec this schedule was built from. */
  readonly spec: Required<FeeSpec>;
  /** No rate on notional for makers / takers (see {@link priceFree}), and no fee per order: read per fill. */
  private readonly makerFree: boolean;
  private readonly takerFree: boolean;
  /** True when there is no fee per order: a fill's fee then does not depend on whether it is the order's first. */
  readonly firstFree: boolean;

  constructor(spec: FeeSpec = {}) {
    if (typeof spec !== 'object' || spec === null)
      throw invalidValue('EXCHANGE_CONFIG_INVALID', 'fees', 'an object like { perContract: 0.5 }', spec);
    const get = (k: keyof FeeSpec, nonNegative: boolean): number => {
      const v = spec[k] ?? 0;
      if (typeof v !== 'number' || !Number.isFinite(v) || (nonNegative && v < 0)) {
        throw invalidValue(
          'EXCHANGE_CONFIG_INVALID',
          `fees.${k}`,
          nonNegative ? 'a finite number ≥ 0' : 'a finite number (negative = rebate)',
          v,
        );
      }
      return v;
    };
    this.spec = {
      perContract: get('perContract', true),
      makerBps: get('makerBps', false),
      takerBps: get('takerBps', false),
      perOrder: get('perOrder', true),
    };
    this.perContract = new Decimal(this.spec.perContract);
    // Rates as fractions of notional (bps ÷ 10 000, exact in decimal), divided once here, not per fill.
    this.maker = new Decimal(this.spec.makerBps).div(BPS);
    this.taker = new Decimal(this.spec.takerBps).div(BPS);
    this.perOrder = new Decimal(this.spec.perOrder);
    this.makerFree = this.maker.isZero();
    this.takerFree = this.taker.isZero();
    this.firstFree = this.perOrder.isZero();
  }

  /** True when fills of this liquidity pay no rate on notional: their fee then does not depend on the price. */
  priceFree(liquidity: 'maker' | 'taker'): boolean {
    return liquidity === 'maker' ? this.makerFree : this.takerFree;
  }

  /** Fee of one fill of `quantity` at `price` (money per point = `multiplier`). */
  fee(quantity: number, price: Decimal, multiplier: number, liquidity: 'maker' | 'taker', firstFill: boolean): Decimal {
    const rate = liquidity === 'maker' ? this.maker : this.taker;
    let fee = this.perContract.isZero() ? ZERO : this.perContract.times(quantity);
    if (!rate.isZero()) fee = fee.plus(price.times(quantity).times(multiplier).times(rate));
    if (firstFill && !this.perOrder.isZero()) fee = fee.plus(this.perOrder);
    return fee;
  }
}
