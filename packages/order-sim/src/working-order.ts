/**
 * Order state: the exchange's own record of an order (integer ticks and lots) and its public view.
 */
import {
  Decimal,
  type Micros,
  priceToTicks,
  type Order,
  type OrderRequest,
  type OrderStatus,
  type RejectReason,
  type StopTrigger,
  type TimerHandle,
  type Instrument,
  ticksToPrice,
} from '@tradekit/types';
import type { AccountLedger } from './ledger.js';
import type { MarketState } from './market-state.js';
import { BUY, type CoreSide, type RestingOrder, SELL } from './order-book.js';
import {
  TRIGGERED,
  OPEN_LISTED,
  FEE_CHARGED,
  WAITING,
  HAS_LIMIT,
  HAS_FIRST_FILL,
  SIDE_SHIFT,
  TYPE_SHIFT,
  TIF_SHIFT,
  TRIGGER_SHIFT,
  STATUS_SHIFT,
  SIDE_MASK,
  TYPE_MASK,
  TIF_MASK,
  TRIGGER_MASK,
  STATUS_MASK,
  TYPE_NAMES,
  TIF_NAMES,
  TRIGGER_NAMES,
  STATUS_NAMES,
  OTHER_TYPE,
  OTHER_TIF,
  OTHER_TRIGGER,
  OTHER_STATUS,
  typeIndex,
  tifIndex,
  triggerIndex,
  statusIndex,
  K_SYMBOL,
  K_SIDE,
  K_TYPE,
  K_QUANTITY,
  K_PRICE,
  K_ACCOUNT,
  K_TIF,
  REQ_SHIFT,
  REQ_MASK,
  KEY_ORDERS,
  KEY_HAS_PRICE,
  keyOrderIndex,
  hasKey,
} from './order-flags.js';

const NO_CHILDREN: WorkingOrder[] = [];

/** `isTerminalStatus` without the table lookup: the exchange asks it several times per operation. */
export function isTerminal(status: OrderStatus): boolean {
  return status === 'filled' || status === 'canceled' || status === 'rejected' || status === 'expired';
}

/**
 * The fields few orders use (stops, trailing, brackets, OCO, expiry, rejections), in a record
 * of their own that only such orders allocate: every order the exchange keeps is smaller, and
 * the garbage collector copies less per order it keeps.
 */
class Extras {
  clientOrderId: string | undefined = undefined;
  stopTick = Number.NaN;
  trailTicks = Number.NaN;
  rejectReason: RejectReason | undefined = undefined;
  rejectMessage: string | undefined = undefined;
  parent: WorkingOrder | undefined = undefined;
  children: WorkingOrder[] = NO_CHILDREN;
  ocoGroup: string | undefined = undefined;
  timer: TimerHandle | undefined = undefined;
  /** Values outside the packed fields' tables (only from a hand-made snapshot). */
  type: string | undefined = undefined;
  tif: string | undefined = undefined;
  stopTrigger: string | undefined = undefined;
  status: string | undefined = undefined;
}

/** The exchange's own record of an order. */
export class WorkingOrder {
  id: string;
  seq: number;
  account: AccountLedger;
  market: MarketState;
  quantity: number;
  lots = 0;
  filledLots = 0;
  costTicks = 0;
  // Ticks kept as small integers with a flag for "none" (a field that ever holds NaN is a boxed
  // double in V8: one more heap object per order).
  private limit = 0;
  private firstFill = 0;
  /** The request as sent (a copy), or null for a plain request (see `plainRequestCode`). */
  req: OrderRequest | null;
  /**
   * `triggered`, `openListed`, `feeCharged`, `waiting` and "has a limit / first fill tick" as
   * bits, and the side, type, time in force, stop trigger and status as small indices: one small
   * integer instead of six fields (every order the exchange keeps is 40 bytes smaller).
   */
  private flags = 0;
  /** Rare fields, see `Extras`. */
  private x: Extras | undefined = undefined;
  /** Links of the working set (`OpenOrders` in orders.ts). */
  openPrev: WorkingOrder | null = null;
  openNext: WorkingOrder | null = null;
  node: RestingOrder | null = null;
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
    if (req.clientOrderId !== undefined) this.ext().clientOrderId = req.clientOrderId;
    this.account = account;
    this.market = market;
    this.cside = req.side === 'buy' ? BUY : SELL;
    this.type = req.type;
    this.tif = req.timeInForce ?? 'GTC';
    this.quantity = req.quantity;
    this.req = req;
    this.stopTrigger = req.stopTrigger ?? stopTrigger;
    this.status = 'pending_new';
    if (req.ocoGroup !== undefined) this.ext().ocoGroup = req.ocoGroup;
    this.createdAt = now;
    this.updatedAt = now;
  }

  private ext(): Extras {
    let x = this.x;
    if (x === undefined) {
      x = new Extras();
      this.x = x;
    }
    return x;
  }

  /**
   * Drops the request (`req` must be the caller's own object, read by the constructor, and
   * `code` its `plainRequestCode`): returns false, keeping it, when it cannot be rebuilt
   * exactly (a price other than a limit order's, a price whose ticks do not give it back, zero
   * (a signed zero would come back as +0), a full key-order table).
   */
  dropRequest(code: number): boolean {
    const req = this.req as OrderRequest;
    let tick = 0;
    if (hasKey(code, K_PRICE)) {
      const p = req.price as number;
      if (req.type !== 'limit' || p === 0) return false;
      const inst = this.market.inst;
      tick = priceToTicks(inst, p);
      if (ticksToPrice(inst, tick) !== p) return false;
    }
    const i = keyOrderIndex(code);
    if (i === 0) return false;
    // The limit field holds the request's price as ticks until validation sets the limit (the
    // same ticks); a modify keeps its own copy of the request first (keepRequest).
    this.limit = tick;
    this.req = null;
    this.flags = (this.flags & ~REQ_MASK) | (i << REQ_SHIFT);
    return true;
  }

  /** The request as sent: the copy, or a plain request rebuilt (same keys, order and values). */
  get request(): OrderRequest {
    return this.req ?? this.rebuildRequest();
  }
  set request(v: OrderRequest) {
    this.req = v;
    this.flags &= ~REQ_MASK;
  }

  /** Keeps a copy of a plain request before the order's quantity or prices change. */
  keepRequest(): void {
    if (this.req === null) this.request = this.rebuildRequest();
  }

  private rebuildRequest(): OrderRequest {
    const keys = KEY_ORDERS[(this.flags & REQ_MASK) >> REQ_SHIFT] as number[];
    const r = {} as { -readonly [K in keyof OrderRequest]: OrderRequest[K] };
    const inst = this.market.inst;
    for (const id of keys) {
      switch (id) {
        case K_SYMBOL:
          r.symbol = inst.symbol;
          break;
        case K_SIDE:
          r.side = this.side;
          break;
        case K_TYPE:
          r.type = this.type;
          break;
        case K_QUANTITY:
          r.quantity = this.quantity;
          break;
        case K_PRICE:
          r.price = ticksToPrice(inst, this.limit);
          break;
        case K_ACCOUNT:
          r.accountId = this.account.id;
          break;
        case K_TIF:
          r.timeInForce = this.tif;
          break;
      }
    }
    return r as OrderRequest;
  }

  /** The request's symbol. */
  get requestSymbol(): string {
    return this.req === null ? this.market.inst.symbol : this.req.symbol;
  }

  /** The request's price (a plain request's from its ticks). */
  get requestPrice(): number | undefined {
    if (this.req !== null) return this.req.price;
    return KEY_HAS_PRICE[(this.flags & REQ_MASK) >> REQ_SHIFT] === true
      ? ticksToPrice(this.market.inst, this.limit)
      : undefined;
  }

  get cside(): CoreSide {
    return ((this.flags & SIDE_MASK) >> SIDE_SHIFT) as CoreSide;
  }
  set cside(v: CoreSide) {
    this.flags = v === BUY ? this.flags & ~SIDE_MASK : this.flags | SIDE_MASK;
  }
  get type(): Order['type'] {
    const i = (this.flags & TYPE_MASK) >> TYPE_SHIFT;
    return i === OTHER_TYPE ? (this.x?.type as Order['type']) : (TYPE_NAMES[i] as Order['type']);
  }
  set type(v: Order['type']) {
    const i = typeIndex(v);
    this.flags = (this.flags & ~TYPE_MASK) | (i << TYPE_SHIFT);
    if (i === OTHER_TYPE) this.ext().type = v;
  }
  get tif(): Order['timeInForce'] {
    const i = (this.flags & TIF_MASK) >> TIF_SHIFT;
    return i === OTHER_TIF ? (this.x?.tif as Order['timeInForce']) : (TIF_NAMES[i] as Order['timeInForce']);
  }
  set tif(v: Order['timeInForce']) {
    const i = tifIndex(v);
    this.flags = (this.flags & ~TIF_MASK) | (i << TIF_SHIFT);
    if (i === OTHER_TIF) this.ext().tif = v;
  }
  get stopTrigger(): StopTrigger {
    const i = (this.flags & TRIGGER_MASK) >> TRIGGER_SHIFT;
    return i === OTHER_TRIGGER ? (this.x?.stopTrigger as StopTrigger) : (TRIGGER_NAMES[i] as StopTrigger);
  }
  set stopTrigger(v: StopTrigger) {
    const i = triggerIndex(v);
    this.flags = (this.flags & ~TRIGGER_MASK) | (i << TRIGGER_SHIFT);
    if (i === OTHER_TRIGGER) this.ext().stopTrigger = v;
  }
  /** The status's index in `STATUS_NAMES` (15: another value, kept in the extras). */
  get statusIndex(): number {
    return (this.flags & STATUS_MASK) >> STATUS_SHIFT;
  }
  get status(): OrderStatus {
    const i = (this.flags & STATUS_MASK) >> STATUS_SHIFT;
    return i === OTHER_STATUS ? (this.x?.status as OrderStatus) : (STATUS_NAMES[i] as OrderStatus);
  }
  set status(v: OrderStatus) {
    const i = statusIndex(v);
    this.flags = (this.flags & ~STATUS_MASK) | (i << STATUS_SHIFT);
    if (i === OTHER_STATUS) this.ext().status = v;
  }

  get side(): 'buy' | 'sell' {
    return this.cside === BUY ? 'buy' : 'sell';
  }

  /** The client's id; the order id when the client gave none (not stored twice). */
  get clientOrderId(): string {
    return this.x?.clientOrderId ?? this.id;
  }
  set clientOrderId(v: string) {
    if (this.x !== undefined || v !== this.id) this.ext().clientOrderId = v;
  }

  get triggered(): boolean {
    return (this.flags & TRIGGERED) !== 0;
  }
  set triggered(v: boolean) {
    this.flags = v ? this.flags | TRIGGERED : this.flags & ~TRIGGERED;
  }
  get openListed(): boolean {
    return (this.flags & OPEN_LISTED) !== 0;
  }
  set openListed(v: boolean) {
    this.flags = v ? this.flags | OPEN_LISTED : this.flags & ~OPEN_LISTED;
  }
  get feeCharged(): boolean {
    return (this.flags & FEE_CHARGED) !== 0;
  }
  set feeCharged(v: boolean) {
    this.flags = v ? this.flags | FEE_CHARGED : this.flags & ~FEE_CHARGED;
  }
  get waiting(): boolean {
    return (this.flags & WAITING) !== 0;
  }
  set waiting(v: boolean) {
    this.flags = v ? this.flags | WAITING : this.flags & ~WAITING;
  }

  /** The limit price in ticks; NaN for orders without one. */
  get limitTick(): number {
    return (this.flags & HAS_LIMIT) !== 0 ? this.limit : Number.NaN;
  }
  set limitTick(v: number) {
    if (Number.isNaN(v)) this.flags &= ~HAS_LIMIT;
    else {
      this.limit = v;
      this.flags |= HAS_LIMIT;
    }
  }
  /** The tick of the first fill; NaN before it. */
  get firstFillTick(): number {
    return (this.flags & HAS_FIRST_FILL) !== 0 ? this.firstFill : Number.NaN;
  }
  set firstFillTick(v: number) {
    if (Number.isNaN(v)) this.flags &= ~HAS_FIRST_FILL;
    else {
      this.firstFill = v;
      this.flags |= HAS_FIRST_FILL;
    }
  }
  get stopTick(): number {
    return this.x === undefined ? Number.NaN : this.x.stopTick;
  }
  set stopTick(v: number) {
    if (this.x !== undefined || !Number.isNaN(v)) this.ext().stopTick = v;
  }
  get trailTicks(): number {
    return this.x === undefined ? Number.NaN : this.x.trailTicks;
  }
  set trailTicks(v: number) {
    if (this.x !== undefined || !Number.isNaN(v)) this.ext().trailTicks = v;
  }
  get rejectReason(): RejectReason | undefined {
    return this.x?.rejectReason;
  }
  set rejectReason(v: RejectReason | undefined) {
    if (this.x !== undefined || v !== undefined) this.ext().rejectReason = v;
  }
  get rejectMessage(): string | undefined {
    return this.x?.rejectMessage;
  }
  set rejectMessage(v: string | undefined) {
    if (this.x !== undefined || v !== undefined) this.ext().rejectMessage = v;
  }
  get parent(): WorkingOrder | undefined {
    return this.x?.parent;
  }
  set parent(v: WorkingOrder | undefined) {
    if (this.x !== undefined || v !== undefined) this.ext().parent = v;
  }
  get ocoGroup(): string | undefined {
    return this.x?.ocoGroup;
  }
  set ocoGroup(v: string | undefined) {
    if (this.x !== undefined || v !== undefined) this.ext().ocoGroup = v;
  }
  get timer(): TimerHandle | undefined {
    return this.x?.timer;
  }
  set timer(v: TimerHandle | undefined) {
    if (this.x !== undefined || v !== undefined) this.ext().timer = v;
  }
  /** Bracket legs (a shared empty array until the first one: most orders have none). */
  get children(): WorkingOrder[] {
    return this.x === undefined ? NO_CHILDREN : this.x.children;
  }

  /** Adds a bracket leg. */
  addChild(c: WorkingOrder): void {
    const x = this.ext();
    if (x.children === NO_CHILDREN) x.children = [];
    x.children.push(c);
  }

  get remainingLots(): number {
    return this.lots - this.filledLots;
  }

  toOrder(): Order {
    const inst = this.market.inst;
    const req = this.req;
    const terminal = isTerminal(this.status);
    const filledLots = this.filledLots;
    const m = this.market;
    const filled = m.qty(filledLots);
    const remaining = terminal ? 0 : m.qty(Math.max(0, this.lots - filledLots));
    const avg =
      filledLots === 0
        ? null
        : this.costTicks % filledLots === 0
          ? // Every fill at one price, or an average on the grid: the market's cached Decimal.
            this.market.fillPrice(this.costTicks / filledLots)
          : avgOffGrid(this.costTicks, filledLots, inst);
    // Plain market and limit orders (no rare field, no stop, trailing offset or expiry) get their
    // view without reading `request` (which a plain request rebuilds). Same keys in the same
    // order as the general path below.
    if (
      this.x === undefined &&
      (req === null || (req.stopPrice === undefined && req.trailingOffset === undefined && req.expireAt === undefined))
    ) {
      const price = (this.flags & HAS_LIMIT) !== 0 ? ticksToPrice(inst, this.limit) : this.requestPrice;
      const symbol = req === null ? inst.symbol : req.symbol;
      const postOnly = req !== null && req.postOnly === true;
      const reduceOnly = req !== null && req.reduceOnly === true;
      const o: Order = {
        id: this.id,
        clientOrderId: this.id,
        accountId: this.account.id,
        symbol,
        side: this.side,
        type: this.type,
        timeInForce: this.tif,
        quantity: this.quantity,
        filledQuantity: filled,
        remainingQuantity: remaining,
        stopTrigger: this.stopTrigger,
        triggered: (this.flags & TRIGGERED) !== 0,
        postOnly,
        reduceOnly,
        status: this.status,
        avgFillPrice: avg,
        createdAt: this.createdAt,
        updatedAt: this.updatedAt,
      };
      if (price !== undefined) o.price = price;
      return o;
    }
    // Rare orders keep their request (a plain request has no key read below but symbol and price).
    const r = this.request;
    const o: Order = {
      id: this.id,
      clientOrderId: this.clientOrderId,
      accountId: this.account.id,
      symbol: r.symbol,
      side: this.side,
      type: this.type,
      timeInForce: this.tif,
      quantity: this.quantity,
      filledQuantity: filled,
      remainingQuantity: remaining,
      stopTrigger: this.stopTrigger,
      triggered: this.triggered,
      postOnly: r.postOnly === true,
      reduceOnly: r.reduceOnly === true,
      status: this.status,
      avgFillPrice: avg,
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
    };
    if (!Number.isNaN(this.limitTick)) o.price = ticksToPrice(inst, this.limitTick);
    else if (r.price !== undefined) o.price = r.price;
    if (!Number.isNaN(this.stopTick)) o.stopPrice = ticksToPrice(inst, this.stopTick);
    else if (r.stopPrice !== undefined) o.stopPrice = r.stopPrice;
    if (r.trailingOffset !== undefined) o.trailingOffset = r.trailingOffset;
    if (r.expireAt !== undefined) o.expireAt = r.expireAt;
    if (this.parent) o.parentId = this.parent.id;
    if (this.ocoGroup !== undefined) o.ocoGroup = this.ocoGroup;
    if (this.rejectReason !== undefined) o.rejectReason = this.rejectReason;
    if (this.rejectMessage !== undefined) o.rejectMessage = this.rejectMessage;
    return o;
  }
}

/**
 * An average fill price off the tick grid: (cost ticks ÷ lots) × tick units ÷ price scale, each
 * step at the shared Decimal's precision. A × 1 or ÷ 1 step is left out (it changes nothing).
 */
function avgOffGrid(costTicks: number, lots: number, inst: Instrument): Decimal {
  let d = new Decimal(costTicks).div(lots);
  if (inst.tickUnits !== 1) d = d.times(inst.tickUnits);
  if (inst.priceScale !== 1) d = d.div(inst.priceScale);
  return d;
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
