/**
 * Order state: the exchange's own record of an order (integer ticks and lots) and its public view.
 */
import {
  Decimal,
  type Micros,
  type Order,
  type OrderRequest,
  type OrderStatus,
  type RejectReason,
  type StopTrigger,
  type TimerHandle,
  type Instrument,
  lotsToQuantity,
  ticksToPrice,
} from '@tradekit/types';
import type { AccountLedger } from './ledger.js';
import type { MarketState } from './market-state.js';
import { BUY, type CoreSide, type RestingOrder, SELL } from './order-book.js';
import { isTerminal } from './orders.js';

const NO_CHILDREN: WorkingOrder[] = [];

/** The exchange's own record of an order. */
export class WorkingOrder {
  id: string;
  seq: number;
  clientOrderId: string;
  account: AccountLedger;
  market: MarketState;
  side: 'buy' | 'sell';
  cside: CoreSide;
  type: Order['type'];
  tif: Order['timeInForce'];
  quantity: number;
  lots = 0;
  filledLots = 0;
  costTicks = 0;
  firstFillTick = Number.NaN;
  limitTick = Number.NaN;
  stopTick = Number.NaN;
  trailTicks = Number.NaN;
  request: OrderRequest;
  stopTrigger: StopTrigger;
  triggered = false;
  status: OrderStatus = 'pending_new';
  rejectReason?: RejectReason;
  rejectMessage?: string;
  parent?: WorkingOrder;
  /** Bracket legs (a shared empty array until the first one: most orders have none). */
  children: WorkingOrder[] = NO_CHILDREN;

  /** Adds a bracket leg. */
  addChild(c: WorkingOrder): void {
    if (this.children === NO_CHILDREN) this.children = [];
    this.children.push(c);
  }
  ocoGroup?: string;
  /** Links of the working set (`OpenOrders` in orders.ts). */
  openListed = false;
  openPrev: WorkingOrder | null = null;
  openNext: WorkingOrder | null = null;
  node: RestingOrder | null = null;
  timer?: TimerHandle;
  feeCharged = false;
  waiting = false;
  createdAt: Micros;
  updatedAt: Micros;

  constructor(
    seq: number,
    req: OrderRequest,
    account: AccountLedger,
    market: MarketState,
    stopTrigger: StopTrigger,
    now: Micros,
  ) {
    this.seq = seq;
    this.id = `o${seq}`;
    this.clientOrderId = req.clientOrderId ?? this.id;
    this.account = account;
    this.market = market;
    this.side = req.side;
    this.cside = req.side === 'buy' ? BUY : SELL;
    this.type = req.type;
    this.tif = req.timeInForce ?? 'GTC';
    this.quantity = req.quantity;
    this.request = req;
    this.stopTrigger = req.stopTrigger ?? stopTrigger;
    this.ocoGroup = req.ocoGroup;
    this.createdAt = now;
    this.updatedAt = now;
  }

  get remainingLots(): number {
    return this.lots - this.filledLots;
  }

  toOrder(): Order {
    const inst = this.market.inst;
    const terminal = isTerminal(this.status);
    const filled = lotsToQuantity(inst, this.filledLots);
    const o: Order = {
      id: this.id,
      clientOrderId: this.clientOrderId,
      accountId: this.account.id,
      symbol: this.request.symbol,
      side: this.side,
      type: this.type,
      timeInForce: this.tif,
      quantity: this.quantity,
      filledQuantity: filled,
      remainingQuantity: terminal ? 0 : lotsToQuantity(inst, Math.max(0, this.remainingLots)),
      stopTrigger: this.stopTrigger,
      triggered: this.triggered,
      postOnly: this.request.postOnly === true,
      reduceOnly: this.request.reduceOnly === true,
      status: this.status,
      avgFillPrice:
        this.filledLots === 0
          ? null
          : this.costTicks % this.filledLots === 0
            ? // Every fill at one price, or an average on the grid: the market's cached Decimal.
              this.market.fillPrice(this.costTicks / this.filledLots)
            : new Decimal(this.costTicks).div(this.filledLots).times(inst.tickUnits).div(inst.priceScale),
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
    };
    if (!Number.isNaN(this.limitTick)) o.price = ticksToPrice(inst, this.limitTick);
    else if (this.request.price !== undefined) o.price = this.request.price;
    if (!Number.isNaN(this.stopTick)) o.stopPrice = ticksToPrice(inst, this.stopTick);
    else if (this.request.stopPrice !== undefined) o.stopPrice = this.request.stopPrice;
    if (this.request.trailingOffset !== undefined) o.trailingOffset = this.request.trailingOffset;
    if (this.request.expireAt !== undefined) o.expireAt = this.request.expireAt;
    if (this.parent) o.parentId = this.parent.id;
    if (this.ocoGroup !== undefined) o.ocoGroup = this.ocoGroup;
    if (this.rejectReason !== undefined) o.rejectReason = this.rejectReason;
    if (this.rejectMessage !== undefined) o.rejectMessage = this.rejectMessage;
    return o;
  }
}

export function bracketPrice(spec: unknown): number | undefined {
  if (typeof spec !== 'object' || spec === null) return undefined;
  const s = spec as { at?: number; price?: number };
  return s.at ?? s.price;
}

export function offsetTicks(inst: Instrument, spec: { ticks: number } | { price: number }): number {
  if ('ticks' in spec && spec.ticks !== undefined) return spec.ticks;
  return Math.round(((spec as { price: number }).price * inst.priceScale) / inst.tickUnits);
}

export function offsetTicksOf(inst: Instrument, spec: unknown): number {
  if (typeof spec !== 'object' || spec === null || 'at' in spec) return Number.NaN;
  return offsetTicks(inst, spec as { ticks: number });
}
