/**
 * Orders of one contract: market, limit, stop, bracket, cancel, modify, and waits on their state.
 * Every order carries a `customTag` (unique per account), so a placement whose answer was lost can
 * be looked up instead of being sent twice.
 */
import { GatewayError } from './errors.js';
import type { GatewayHttp } from './http.js';
import { type Order, type OrderStatusName, type Side, isDone, isWorking, toOrder } from './model.js';
import type { Store } from './store.js';
import { OrderSide, OrderType, type WireOrder, formatGatewayTime } from './wire.js';

/** Options every placement takes. */
export interface PlaceOptions {
  /** Your tag (unique per account). @default an automatic `<prefix>-<n>` */
  customTag?: string;
}

/** A bracket: an entry with a protective stop and a profit target, `ticks` away from the fill. */
export interface BracketOrder extends PlaceOptions {
  side: Side;
  size: number;
  /** `market` or a limit price for the entry. @default 'market' */
  entry?: 'market' | { limit: number };
  /** Stop-loss distance in ticks (> 0). */
  stopLossTicks: number;
  /** Take-profit distance in ticks (> 0). */
  takeProfitTicks: number;
}

/** Fields {@link OrderManager.modify} changes; omitted ones stay as they are. */
export interface OrderChanges {
  size?: number;
  limitPrice?: number;
  stopPrice?: number;
}

/** What a placement returns. */
export interface Placed {
  orderId: number;
  customTag: string;
  /** True when the answer was lost and the order was found by its tag. */
  reconciled: boolean;
}

/** Orders of one account and contract. */
export class OrderManager {
  private seq = 0;

  constructor(
    private readonly http: GatewayHttp,
    private readonly accountId: number,
    private readonly contract: { id: string; tickSize: number },
    private readonly store: Store,
    private readonly opts: { tagPrefix: string; bracketTicks: 'by-side' | 'signed'; waitMs: number },
  ) {}

  /** A market order. */
  market(side: Side, size: number, opts: PlaceOptions = {}): Promise<Placed> {
    return this.place({ type: OrderType.Market, side: sideNum(side), size }, opts);
  }

  /** A limit order at `price` (rounded to the tick grid). */
  limit(side: Side, size: number, price: number, opts: PlaceOptions = {}): Promise<Placed> {
    return this.place({ type: OrderType.Limit, side: sideNum(side), size, limitPrice: this.round(price) }, opts);
  }

  /** A stop (market) order triggered at `stopPrice`. */
  stop(side: Side, size: number, stopPrice: number, opts: PlaceOptions = {}): Promise<Placed> {
    return this.place({ type: OrderType.Stop, side: sideNum(side), size, stopPrice: this.round(stopPrice) }, opts);
  }

  /** A native bracket: the legs appear once the entry fills (find them with {@link legsOf}). */
  bracket(b: BracketOrder): Promise<Placed> {
    if (!(Number.isInteger(b.stopLossTicks) && b.stopLossTicks > 0))
      throw new GatewayError(
        'INVALID_ARGUMENT',
        `Expected stopLossTicks to be a whole number > 0, got ${b.stopLossTicks}.`,
      );
    if (!(Number.isInteger(b.takeProfitTicks) && b.takeProfitTicks > 0))
      throw new GatewayError(
        'INVALID_ARGUMENT',
        `Expected takeProfitTicks to be a whole number > 0, got ${b.takeProfitTicks}.`,
      );
    const entry = b.entry ?? 'market';
    // Signed convention: negative = below the entry. A buy's stop is below, a sell's above.
    const down = this.opts.bracketTicks === 'signed' ? -1 : 1;
    const sl = b.side === 'buy' ? down * b.stopLossTicks : b.stopLossTicks;
    const tp = b.side === 'buy' ? b.takeProfitTicks : down * b.takeProfitTicks;
    return this.place(
      {
        type: entry === 'market' ? OrderType.Market : OrderType.Limit,
        side: sideNum(b.side),
        size: b.size,
        ...(entry === 'market' ? {} : { limitPrice: this.round(entry.limit) }),
        stopLossBracket: { ticks: sl, type: OrderType.Stop },
        takeProfitBracket: { ticks: tp, type: OrderType.Limit },
      },
      b.customTag === undefined ? {} : { customTag: b.customTag },
    );
  }

  /** Cancels an order. */
  async cancel(orderId: number): Promise<void> {
    const res = await this.http.call('Order/cancel', { accountId: this.accountId, orderId });
    if (!res.success)
      throw new GatewayError(
        'REQUEST_FAILED',
        `Cancel of order ${orderId} was refused (errorCode ${res.errorCode}${res.errorMessage ? `: ${res.errorMessage}` : ''}).`,
        { route: 'Order/cancel', errorCode: res.errorCode, errorMessage: res.errorMessage, orderId },
      );
  }

  /** Cancels every working order of the contract; returns how many were cancelled. */
  async cancelAll(): Promise<number> {
    const open = await this.searchOpen();
    let n = 0;
    for (const o of open) {
      if (o.contractId !== this.contract.id) continue;
      await this.cancel(o.id);
      n++;
    }
    return n;
  }

  /** Changes size, limit or stop price of a working order. */
  async modify(orderId: number, changes: OrderChanges): Promise<void> {
    const body: Record<string, unknown> = { accountId: this.accountId, orderId };
    if (changes.size !== undefined) body.size = changes.size;
    if (changes.limitPrice !== undefined) body.limitPrice = this.round(changes.limitPrice);
    if (changes.stopPrice !== undefined) body.stopPrice = this.round(changes.stopPrice);
    const res = await this.http.call('Order/modify', body);
    if (!res.success)
      throw new GatewayError(
        'REQUEST_FAILED',
        `Modify of order ${orderId} was refused (errorCode ${res.errorCode}${res.errorMessage ? `: ${res.errorMessage}` : ''}).`,
        { route: 'Order/modify', errorCode: res.errorCode, errorMessage: res.errorMessage, orderId },
      );
  }

  /** The order as last seen (hub events and resynchronisation). */
  get(orderId: number): Order | undefined {
    return this.store.orders.get(orderId);
  }

  /** Every order seen, oldest id first. */
  all(): Order[] {
    return [...this.store.orders.values()].sort((a, b) => a.id - b.id);
  }

  /** Working orders (open, pending, suspended legs) as last seen. */
  working(): Order[] {
    return this.all().filter(isWorking);
  }

  /** The bracket legs (stop and target) of an entry order. */
  legsOf(parentId: number): { stop: Order | undefined; target: Order | undefined } {
    const legs = this.all().filter((o) => o.parentId === parentId);
    return { stop: legs.find((o) => o.type === 'stop'), target: legs.find((o) => o.type === 'limit') };
  }

  /**
   * Waits until the order satisfies `want` (a status, or a predicate), checking what is known
   * first; rejects after `timeoutMs` with what it last saw.
   */
  waitFor(
    orderId: number,
    want: OrderStatusName | ((o: Order) => boolean),
    timeoutMs = this.opts.waitMs,
  ): Promise<Order> {
    const pred = typeof want === 'function' ? want : (o: Order) => o.status === want;
    return this.store.until(
      () => {
        const o = this.store.orders.get(orderId);
        return o !== undefined && pred(o) ? o : undefined;
      },
      timeoutMs,
      `order ${orderId} to be ${typeof want === 'string' ? want : 'as expected'} (last seen: ${describe(this.store.orders.get(orderId))})`,
    );
  }

  /** Waits until the order reached a final state (filled, cancelled, expired, rejected). */
  waitForDone(orderId: number, timeoutMs = this.opts.waitMs): Promise<Order> {
    return this.waitFor(orderId, isDone, timeoutMs);
  }

  /** `Order/searchOpen` of the account. */
  async searchOpen(): Promise<Order[]> {
    const res = await this.http.call<{ orders: WireOrder[] | null }>('Order/searchOpen', { accountId: this.accountId });
    if (!res.success) throw failed('Order/searchOpen', res);
    return (res.orders ?? []).map(toOrder);
  }

  /** `Order/search` of the account from `fromUs` (epoch µs) on. */
  async search(fromUs: number): Promise<Order[]> {
    const res = await this.http.call<{ orders: WireOrder[] | null }>('Order/search', {
      accountId: this.accountId,
      startTimestamp: formatGatewayTime(fromUs),
    });
    if (!res.success) throw failed('Order/search', res);
    return (res.orders ?? []).map(toOrder);
  }

  /** The order carrying `customTag`, from the gateway's search (open first, then all). */
  async findByTag(customTag: string): Promise<Order | undefined> {
    const open = await this.searchOpen();
    const hit = open.find((o) => o.customTag === customTag);
    if (hit !== undefined) return hit;
    return (await this.search(0)).find((o) => o.customTag === customTag);
  }

  private async place(body: Record<string, unknown>, opts: PlaceOptions): Promise<Placed> {
    const size = body.size as number;
    if (!(Number.isInteger(size) && size > 0))
      throw new GatewayError('INVALID_ARGUMENT', `Expected size to be a whole number > 0, got ${size}.`);
    const customTag = opts.customTag ?? `${this.opts.tagPrefix}-${++this.seq}`;
    const request = { accountId: this.accountId, contractId: this.contract.id, ...body, customTag };
    let res: { orderId?: number | null; success: boolean; errorCode: number; errorMessage: string | null };
    try {
      res = await this.http.call<{ orderId?: number | null }>('Order/place', request);
    } catch (err) {
      if (!(err instanceof GatewayError) || err.code !== 'SUBMISSION_UNCERTAIN') throw err;
      // The answer was lost: did it reach the exchange? Look it up by its tag; never send it twice.
      const found = await this.findByTag(customTag).catch(() => undefined);
      if (found === undefined) throw err;
      this.store.applyOrder(found);
      return { orderId: found.id, customTag, reconciled: true };
    }
    if (!res.success) {
      const id = typeof res.orderId === 'number' ? res.orderId : undefined;
      throw new GatewayError(
        'ORDER_REJECTED',
        `Order rejected (errorCode ${res.errorCode}): ${res.errorMessage ?? 'no reason given'}`,
        {
          route: 'Order/place',
          errorCode: res.errorCode,
          errorMessage: res.errorMessage,
          ...(id !== undefined ? { orderId: id } : {}),
        },
      );
    }
    return { orderId: res.orderId as number, customTag, reconciled: false };
  }

  private round(price: number): number {
    const t = this.contract.tickSize;
    if (!Number.isFinite(price)) throw new GatewayError('INVALID_ARGUMENT', `Expected a finite price, got ${price}.`);
    // Round on the grid, then clean the binary noise (0.1 + 0.2) off the result.
    const decimals = Math.max(0, -Math.floor(Math.log10(t)) + 2);
    return Number((Math.round(price / t) * t).toFixed(decimals));
  }
}

function sideNum(side: Side): number {
  if (side !== 'buy' && side !== 'sell')
    throw new GatewayError('INVALID_ARGUMENT', `Expected side 'buy' or 'sell', got ${JSON.stringify(side)}.`);
  return side === 'buy' ? OrderSide.Buy : OrderSide.Sell;
}

function failed(route: string, res: { errorCode: number; errorMessage: string | null }): GatewayError {
  return new GatewayError('REQUEST_FAILED', `${route} failed (errorCode ${res.errorCode}): ${res.errorMessage ?? ''}`, {
    route,
    errorCode: res.errorCode,
    errorMessage: res.errorMessage,
  });
}

function describe(o: Order | undefined): string {
  if (o === undefined) return 'never';
  return `${o.status}, filled ${o.filledSize}/${o.size}${o.avgFillPrice !== null ? ` @ ${o.avgFillPrice}` : ''}`;
}
