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

// Bits of `WorkingOrder.flags`.
const TRIGGERED = 1;
const OPEN_LISTED = 2;
const FEE_CHARGED = 4;
const WAITING = 8;
const HAS_LIMIT = 16;
const HAS_FIRST_FILL = 32;
/** The side (BUY 0, SELL 1) at bit 6; type, time in force, stop trigger and status as small indices above. */
const SIDE_SHIFT = 6;
const TYPE_SHIFT = 7;
const TIF_SHIFT = 10;
const TRIGGER_SHIFT = 13;
const STATUS_SHIFT = 16;
const SIDE_MASK = 1 << SIDE_SHIFT;
const TYPE_MASK = 7 << TYPE_SHIFT;
const TIF_MASK = 7 << TIF_SHIFT;
const TRIGGER_MASK = 7 << TRIGGER_SHIFT;
const STATUS_MASK = 15 << STATUS_SHIFT;

/** The values each packed field can take, by index; the last index of each means "other value" (kept in {@link Extras}). */
const TYPE_NAMES: readonly Order['type'][] = ['market', 'limit', 'stop', 'stop_limit', 'trailing_stop'];
const TIF_NAMES: readonly Order['timeInForce'][] = ['GTC', 'DAY', 'IOC', 'FOK', 'GTD'];
const TRIGGER_NAMES: readonly StopTrigger[] = ['last', 'bid', 'ask', 'mid'];
/** Order statuses by index (the index is what `transition` checks moves with). */
export const STATUS_NAMES: readonly OrderStatus[] = [
  'pending_new',
  'inactive',
  'new',
  'partially_filled',
  'pending_cancel',
  'pending_replace',
  'filled',
  'canceled',
  'expired',
  'rejected',
];
const OTHER_TYPE = 7;
const OTHER_TIF = 7;
const OTHER_TRIGGER = 7;
const OTHER_STATUS = 15;

function typeIndex(t: string): number {
  switch (t) {
    case 'market':
      return 0;
    case 'limit':
      return 1;
    case 'stop':
      return 2;
    case 'stop_limit':
      return 3;
    case 'trailing_stop':
      return 4;
    default:
      return OTHER_TYPE;
  }
}
function tifIndex(t: string): number {
  switch (t) {
    case 'GTC':
      return 0;
    case 'DAY':
      return 1;
    case 'IOC':
      return 2;
    case 'FOK':
      return 3;
    case 'GTD':
      return 4;
    default:
      return OTHER_TIF;
  }
}
function triggerIndex(t: string): number {
  switch (t) {
    case 'last':
      return 0;
    case 'bid':
      return 1;
    case 'ask':
      return 2;
    case 'mid':
      return 3;
    default:
      return OTHER_TRIGGER;
  }
}
/** The index of a status in {@link STATUS_NAMES}, 15 for any other value. */
export function statusIndex(t: string): number {
  switch (t) {
    case 'pending_new':
      return 0;
    case 'inactive':
      return 1;
    case 'new':
      return 2;
    case 'partially_filled':
      return 3;
    case 'pending_cancel':
      return 4;
    case 'pending_replace':
      return 5;
    case 'filled':
      return 6;
    case 'canceled':
      return 7;
    case 'expired':
      return 8;
    case 'rejected':
      return 9;
    default:
      return OTHER_STATUS;
  }
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
  request: OrderRequest;
  /**
   * `triggered`, `openListed`, `feeCharged`, `waiting` and "has a limit / first fill tick" as
   * bits, and the side, type, time in force, stop trigger and status as small indices: one small
   * integer instead of six fields (every order the exchange keeps is 40 bytes smaller).
   */
  private flags = 0;
  /** Rare fields, see {@link Extras}. */
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
    this.request = req;
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
  /** The status's index in {@link STATUS_NAMES} (15: another value, kept in the extras). */
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
    const req = this.request;
    const terminal = isTerminal(this.status);
    const filledLots = this.filledLots;
    const filled = lotsToQuantity(inst, filledLots);
    const remaining = terminal ? 0 : lotsToQuantity(inst, Math.max(0, this.lots - filledLots));
    const avg =
      filledLots === 0
        ? null
        : this.costTicks % filledLots === 0
          ? // Every fill at one price, or an average on the grid: the market's cached Decimal.
            this.market.fillPrice(this.costTicks / filledLots)
          : avgOffGrid(this.costTicks, filledLots, inst);
    // Plain market and limit orders (no rare field, no stop, trailing offset or expiry) get their
    // view from one literal, `price` included: no property added after it (which would cost a
    // property array and a map transition per view). Same keys in the same order as the general
    // path below.
    if (
      this.x === undefined &&
      req.stopPrice === undefined &&
      req.trailingOffset === undefined &&
      req.expireAt === undefined
    ) {
      const price = (this.flags & HAS_LIMIT) !== 0 ? ticksToPrice(inst, this.limit) : req.price;
      if (price === undefined)
        return {
          id: this.id,
          clientOrderId: this.id,
          accountId: this.account.id,
          symbol: req.symbol,
          side: this.side,
          type: this.type,
          timeInForce: this.tif,
          quantity: this.quantity,
          filledQuantity: filled,
          remainingQuantity: remaining,
          stopTrigger: this.stopTrigger,
          triggered: (this.flags & TRIGGERED) !== 0,
          postOnly: req.postOnly === true,
          reduceOnly: req.reduceOnly === true,
          status: this.status,
          avgFillPrice: avg,
          createdAt: this.createdAt,
          updatedAt: this.updatedAt,
        };
      return {
        id: this.id,
        clientOrderId: this.id,
        accountId: this.account.id,
        symbol: req.symbol,
        side: this.side,
        type: this.type,
        timeInForce: this.tif,
        quantity: this.quantity,
        filledQuantity: filled,
        remainingQuantity: remaining,
        stopTrigger: this.stopTrigger,
        triggered: (this.flags & TRIGGERED) !== 0,
        postOnly: req.postOnly === true,
        reduceOnly: req.reduceOnly === true,
        status: this.status,
        avgFillPrice: avg,
        createdAt: this.createdAt,
        updatedAt: this.updatedAt,
        price,
      };
    }
    const o: Order = {
      id: this.id,
      clientOrderId: this.clientOrderId,
      accountId: this.account.id,
      symbol: req.symbol,
      side: this.side,
      type: this.type,
      timeInForce: this.tif,
      quantity: this.quantity,
      filledQuantity: filled,
      remainingQuantity: remaining,
      stopTrigger: this.stopTrigger,
      triggered: this.triggered,
      postOnly: req.postOnly === true,
      reduceOnly: req.reduceOnly === true,
      status: this.status,
      avgFillPrice: avg,
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
    };
    if (!Number.isNaN(this.limitTick)) o.price = ticksToPrice(inst, this.limitTick);
    else if (req.price !== undefined) o.price = req.price;
    if (!Number.isNaN(this.stopTick)) o.stopPrice = ticksToPrice(inst, this.stopTick);
    else if (req.stopPrice !== undefined) o.stopPrice = req.stopPrice;
    if (req.trailingOffset !== undefined) o.trailingOffset = req.trailingOffset;
    if (req.expireAt !== undefined) o.expireAt = req.expireAt;
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
