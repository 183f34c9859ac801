/**
 * What both runs of a parity check record, the same way: the strategy is wrapped so that every
 * order it sends (with the time it decided), every cancel and modify, and the final state of
 * every order and bracket leg are written down, whoever executes them (the backtest's exchange or
 * the venue over the network).
 */
import type { Strategy, StrategyContext } from '@tradekit/backtest';
import { Decimal, type Order, type OrderRequest } from '@tradekit/types';
import { gatewayStatus } from '../projectx/payloads.js';

/** Order statuses at the gateway's granularity (what both runs can observe). */
const STATUS_NAMES: Record<number, string> = {
  0: 'none',
  1: 'open',
  2: 'filled',
  3: 'cancelled',
  4: 'expired',
  5: 'rejected',
  6: 'pending',
  7: 'pending-cancel',
  8: 'suspended',
};

/** One order a strategy sent, with its final state. */
export interface ParityOrderRow {
  /** Placement number (1 = the strategy's first order). */
  seq: number;
  /** When the strategy decided (its `ctx.now`), epoch µs. */
  ts: number;
  /** The strategy method that sent it (`onBar`, `onFill`…). */
  method: string;
  symbol: string;
  side: 'buy' | 'sell';
  type: string;
  quantity: number;
  price: number | null;
  stopPrice: number | null;
  /** The bracket as sent (JSON), if any. */
  bracket: string | null;
  /** Final status at the gateway's granularity: open, filled, cancelled, rejected… */
  status: string;
  filledQuantity: number;
  avgFillPrice: string | null;
  /** Bracket legs: `type side status filled@avg`, sorted. */
  legs: string[];
}

/** A cancel or modify a strategy sent. */
export interface ParityActionRow {
  ts: number;
  method: string;
  action: 'cancel' | 'modify';
  /** `seq` of the order it targets (0 if unknown). */
  order: number;
  changes: string | null;
}

/** One fill, as both runs report it. */
export interface ParityFillRow {
  ts: number;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: number;
  price: string;
  fee: string;
  /** `seq` of the strategy order it belongs to (a bracket leg counts as its entry's), 0 if unknown. */
  order: number;
}

interface Tracked {
  row: ParityOrderRow;
}

interface Leg {
  parent: ParityOrderRow;
  text: string;
}

const dec = (d: Decimal | null | undefined): string | null => (d === null || d === undefined ? null : d.toString());

/** Normalizes a money value (Decimal, number or string) to a canonical decimal string. */
export function money(v: Decimal | number | string): string {
  return new Decimal(v).toString();
}

/** Records what a strategy does through its context, for one run. */
export class ParityRecorder {
  readonly orders: ParityOrderRow[] = [];
  readonly actions: ParityActionRow[] = [];
  /** Bar timeframes the strategy received, in order of first sight. */
  readonly timeframes: string[] = [];
  private readonly byId = new Map<string, Tracked>();
  private readonly legs = new Map<string, Leg>();
  /** Updates of orders not known yet (a bracket leg reported while its entry is being placed). */
  private readonly orphans = new Map<string, Order>();
  private readonly wrapped = new WeakMap<object, StrategyContext>();
  private method = 'onStart';

  /** The strategy order (`seq`) an exchange order id belongs to (a leg maps to its entry), 0 if none. */
  seqOf(orderId: string): number {
    return this.byId.get(orderId)?.row.seq ?? this.legs.get(orderId)?.parent.seq ?? 0;
  }

  /** Folds an order update in (the strategy's own orders and their bracket legs). */
  update(o: Order): void {
    const own = this.byId.get(o.id);
    if (own) {
      own.row.status = STATUS_NAMES[gatewayStatus(o.status)] ?? o.status;
      own.row.filledQuantity = o.filledQuantity;
      own.row.avgFillPrice = dec(o.avgFillPrice);
      return;
    }
    const parentId = o.parentId;
    let leg = this.legs.get(o.id);
    if (leg === undefined) {
      const parent = parentId === undefined ? undefined : this.byId.get(parentId);
      if (parent === undefined) {
        if (parentId !== undefined) this.orphans.set(o.id, o);
        return;
      }
      leg = { parent: parent.row, text: '' };
      this.legs.set(o.id, leg);
    }
    const status = STATUS_NAMES[gatewayStatus(o.status)] ?? o.status;
    const text = `${o.type} ${o.side} ${status} ${o.filledQuantity}@${dec(o.avgFillPrice) ?? '-'}`;
    const list = leg.parent.legs;
    const i = list.indexOf(leg.text);
    if (i >= 0) list.splice(i, 1);
    leg.text = text;
    list.push(text);
    list.sort();
  }

  private place(ctx: StrategyContext, r: Omit<OrderRequest, 'accountId'>, order: Order): Order {
    const row: ParityOrderRow = {
      seq: this.orders.length + 1,
      ts: ctx.now,
      method: this.method,
      symbol: r.symbol,
      side: r.side,
      type: r.type,
      quantity: r.quantity,
      price: r.price ?? null,
      stopPrice: r.stopPrice ?? null,
      bracket: r.bracket === undefined ? null : JSON.stringify(r.bracket),
      status: 'pending',
      filledQuantity: 0,
      avgFillPrice: null,
      legs: [],
    };
    this.orders.push(row);
    this.byId.set(order.id, { row });
    this.update(order);
    for (const [id, o] of this.orphans) {
      if (o.parentId !== order.id) continue;
      this.orphans.delete(id);
      this.update(o);
    }
    return order;
  }

  private context(ctx: StrategyContext): StrategyContext {
    const known = this.wrapped.get(ctx);
    if (known) return known;
    const w = Object.create(ctx) as StrategyContext;
    const first = () => ctx.symbols[0] as string;
    const quick = (side: 'buy' | 'sell', q: number, o: Record<string, unknown> = {}) =>
      ({ type: 'market', ...o, symbol: (o.symbol as string | undefined) ?? first(), side, quantity: q }) as Omit<
        OrderRequest,
        'accountId'
      >;
    Object.assign(w, {
      placeOrder: (r: Omit<OrderRequest, 'accountId'>) => this.place(ctx, r, ctx.placeOrder(r)),
      buy: (q: number, o?: Record<string, unknown>) => this.place(ctx, quick('buy', q, o), ctx.buy(q, o)),
      sell: (q: number, o?: Record<string, unknown>) => this.place(ctx, quick('sell', q, o), ctx.sell(q, o)),
      closePosition: (symbol?: string) => {
        const pos = ctx.position(symbol);
        const o = ctx.closePosition(symbol);
        if (o === undefined) return undefined;
        return this.place(
          ctx,
          { symbol: symbol ?? first(), side: pos > 0 ? 'sell' : 'buy', type: 'market', quantity: Math.abs(pos) },
          o,
        );
      },
      cancelOrder: (id: string) => {
        this.actions.push({ ts: ctx.now, method: this.method, action: 'cancel', order: this.seqOf(id), changes: null });
        return ctx.cancelOrder(id);
      },
      modifyOrder: (id: string, changes: Parameters<StrategyContext['modifyOrder']>[1]) => {
        this.actions.push({
          ts: ctx.now,
          method: this.method,
          action: 'modify',
          order: this.seqOf(id),
          changes: JSON.stringify(changes),
        });
        return ctx.modifyOrder(id, changes);
      },
    });
    this.wrapped.set(ctx, w);
    return w;
  }

  /**
   * The strategy with every method routed through the recorder. State the strategy keeps on
   * `this` and helper methods on the strategy object still work (the wrapper inherits from it).
   */
  wrap<S extends Strategy>(strategy: S): S {
    const w = Object.create(strategy) as Record<string, unknown>;
    const rec = this;
    const s = strategy as unknown as Record<string, ((...args: unknown[]) => void) | undefined>;
    for (const m of ['onStart', 'onEnd'] as const) {
      const fn = s[m];
      if (fn)
        w[m] = function (this: unknown, ctx: StrategyContext) {
          rec.method = m;
          fn.call(this, rec.context(ctx));
        };
    }
    for (const m of ['onBar', 'onQuote', 'onTrade', 'onFill'] as const) {
      const fn = s[m];
      if (fn)
        w[m] = function (this: unknown, arg: unknown, ctx: StrategyContext) {
          rec.method = m;
          if (m === 'onBar') {
            const tf = (arg as { timeframe: string }).timeframe;
            if (!rec.timeframes.includes(tf)) rec.timeframes.push(tf);
          }
          fn.call(this, arg, rec.context(ctx));
        };
    }
    const onOrder = s.onOrderUpdate;
    w.onOrderUpdate = function (this: unknown, order: Order, ctx: StrategyContext) {
      rec.update(order);
      if (onOrder) {
        rec.method = 'onOrderUpdate';
        onOrder.call(this, order, rec.context(ctx));
      }
    };
    return w as unknown as S;
  }
}
