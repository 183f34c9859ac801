/**
 * Pre-trade validation and risk: the shape of a request (thrown, a programming error), static
 * checks at arrival (symbol, size, prices on the grid) and checks against the market and the
 * account at arrival (session, halt, reduce-only, buying power, post-only, fill-or-kill).
 * Rejections are returned as `[reason, message]`; nothing here changes state.
 */
import {
  Decimal,
  type Instrument,
  type OrderRequest,
  type RejectReason,
  describeValue,
  invalidValue,
  isOnGrid,
  lotsToQuantity,
  priceToTicks,
  sessionAt,
  ticksToPrice,
} from '@tradekit/types';
import type { Engine } from './engine.js';
import { BIG, TIFS, TRIGGERS } from './options.js';
import { MAX_LADDER } from './book-side.js';
import { BUY, type CoreSide } from './order-book.js';
import { type WorkingOrder, bracketPrice, offsetTicks, offsetTicksOf } from './working-order.js';

/** A rejection: the reason code and a message that says why and what to do. */
export type Rejection = [RejectReason, string];

/** Reject reasons this exchange adds to the shared `RejectReason` (see `ExchangeRejectReason`). */
export const STOP_WRONG_SIDE: RejectReason = 'ORDER_STOP_WRONG_SIDE';
export const PRICE_OUT_OF_RANGE: RejectReason = 'ORDER_PRICE_OUT_OF_RANGE';

/** A rejection when an order at `tick` on `side` would stretch the book beyond its price ladder. */
export function outOfRange(w: WorkingOrder, field: string, tick: number, side: number): Rejection | undefined {
  if (Number.isNaN(tick) || w.market.book.fits(side as CoreSide, tick)) return undefined;
  const inst = w.market.inst;
  return [
    PRICE_OUT_OF_RANGE,
    `Expected \`${field}\` within 16,777,216 ticks of the prices on ${inst.symbol}'s book (tick ${inst.tickSize}), got ${ticksToPrice(inst, tick)}. Check the price and the instrument's tickSize.`,
  ];
}

/** Throws `ORDER_REQUEST_INVALID` for a request of the wrong shape. */
export function checkRequest(ex: Engine, r: OrderRequest): void {
  const code = 'ORDER_REQUEST_INVALID';
  if (typeof r !== 'object' || r === null)
    throw invalidValue(
      code,
      'request',
      'an order request object',
      r,
      'Example: { symbol: "MNQ", side: "buy", type: "market", quantity: 1 }.',
    );
  if (typeof r.symbol !== 'string') throw invalidValue(code, 'symbol', 'a string', r.symbol);
  // Comparisons instead of Set lookups (the same members as SIDES and TYPES in options.ts).
  const side = r.side;
  if (side !== 'buy' && side !== 'sell') throw invalidValue(code, 'side', '"buy" or "sell"', r.side);
  const type = r.type;
  if (type !== 'limit' && type !== 'market' && type !== 'stop' && type !== 'stop_limit' && type !== 'trailing_stop')
    throw invalidValue(code, 'type', '"market", "limit", "stop", "stop_limit" or "trailing_stop"', r.type);
  if (typeof r.quantity !== 'number') throw invalidValue(code, 'quantity', 'a number', r.quantity);
  // Named reads, not r[k] in a loop: a keyed read of a request is a slow lookup on every order.
  const price = r.price;
  if (price !== undefined && (typeof price !== 'number' || !Number.isFinite(price)))
    throw invalidValue(code, 'price', 'a finite number (a price on the tick grid)', price);
  const stopPrice = r.stopPrice;
  if (stopPrice !== undefined && (typeof stopPrice !== 'number' || !Number.isFinite(stopPrice)))
    throw invalidValue(code, 'stopPrice', 'a finite number (a price on the tick grid)', stopPrice);
  if (r.expireAt !== undefined && typeof r.expireAt !== 'number')
    throw invalidValue(code, 'expireAt', 'a number', r.expireAt);
  if (r.timeInForce !== undefined && !TIFS.has(r.timeInForce))
    throw invalidValue(code, 'timeInForce', '"GTC", "DAY", "IOC", "FOK" or "GTD"', r.timeInForce);
  if (r.stopTrigger !== undefined && !TRIGGERS.has(r.stopTrigger))
    throw invalidValue(code, 'stopTrigger', '"last", "bid", "ask" or "mid"', r.stopTrigger);
  if (r.accountId !== undefined && typeof r.accountId !== 'string')
    throw invalidValue(code, 'accountId', 'a string', r.accountId);
  if (r.clientOrderId !== undefined && typeof r.clientOrderId !== 'string')
    throw invalidValue(code, 'clientOrderId', 'a string', r.clientOrderId);
  if (r.ocoGroup !== undefined && typeof r.ocoGroup !== 'string')
    throw invalidValue(code, 'ocoGroup', 'a string', r.ocoGroup);
  if (r.trailingOffset !== undefined) checkOffset('trailingOffset', r.trailingOffset, false);
  if (r.bracket !== undefined) {
    if (typeof r.bracket !== 'object' || r.bracket === null)
      throw invalidValue(code, 'bracket', 'an object { stopLoss?, takeProfit? }', r.bracket);
    checkOffset('bracket.stopLoss', r.bracket.stopLoss, true);
    checkOffset('bracket.takeProfit', r.bracket.takeProfit, true);
  }
  if (r.accountId !== undefined) ex.accounting.account(r.accountId);
}

/** Throws `ORDER_REQUEST_INVALID` unless `v` is a price offset (`{ ticks }`, `{ price }`, or `{ at }` if allowed). */
function checkOffset(field: string, v: unknown, allowAt: boolean): void {
  if (v === undefined) return;
  const o = v as Record<string, unknown>;
  const ok =
    typeof o === 'object' &&
    o !== null &&
    ((typeof o.ticks === 'number' && Number.isFinite(o.ticks)) ||
      (typeof o.price === 'number' && Number.isFinite(o.price)) ||
      (allowAt && typeof o.at === 'number' && Number.isFinite(o.at)));
  if (!ok)
    throw invalidValue(
      'ORDER_REQUEST_INVALID',
      field,
      allowAt ? '{ ticks: n }, { price: x } or { at: price }' : '{ ticks: n } or { price: x }',
      v,
    );
}

/** A rejection when `v` (a price in `field`) is off the instrument's tick grid. */
function offGrid(inst: Instrument, field: string, v: number | undefined): Rejection | undefined {
  if (v === undefined || isOnGrid(inst, v)) return undefined;
  const lower = Math.floor((v * inst.priceScale) / inst.tickUnits);
  return [
    'ORDER_PRICE_OFF_TICK',
    `Expected \`${field}\` on ${inst.symbol}'s tick grid (multiples of ${inst.tickSize}), got ${describeValue(v)}. Nearest valid prices: ${ticksToPrice(inst, lower)} and ${ticksToPrice(inst, lower + 1)}.`,
  ];
}

/** Static checks; returns a rejection or undefined. Fills in ticks and lots. */
export function validate(ex: Engine, w: WorkingOrder): Rejection | undefined {
  // A plain request (no copy kept) has only symbol, side, type, quantity, price, account and time
  // in force, all on the order: its other keys read as undefined.
  const r = w.req;
  const symbol = r === null ? w.market.inst.symbol : r.symbol;
  if (ex.marketOf(symbol) === undefined) {
    return [
      'ORDER_UNKNOWN_SYMBOL',
      `Unknown symbol ${describeValue(symbol)}. Known symbols: ${[...ex.markets.keys()].join(', ')}.`,
    ];
  }
  const quantity = r === null ? w.quantity : r.quantity;
  const type = r === null ? w.type : r.type;
  const price = r === null ? w.requestPrice : r.price;
  const stopPrice = r?.stopPrice;
  const trailingOffset = r?.trailingOffset;
  const expireAt = r?.expireAt;
  const bracket = r?.bracket;
  const inst = w.market.inst;
  if (!Number.isFinite(quantity) || quantity <= 0)
    return ['ORDER_SIZE_INVALID', `Expected \`quantity\` to be > 0, got ${describeValue(quantity)}.`];
  const lots = w.market.lotsOf(quantity);
  if (Number.isNaN(lots) || lots <= 0) {
    return [
      'ORDER_SIZE_NOT_LOT_MULTIPLE',
      `Expected \`quantity\` to be a multiple of ${inst.symbol}'s lot size ${inst.lotSize}, got ${describeValue(quantity)}.`,
    ];
  }
  w.lots = lots;
  const needsPrice = type === 'limit' || type === 'stop_limit';
  const needsStop = type === 'stop' || type === 'stop_limit';
  if (needsPrice && price === undefined) return ['ORDER_INVALID', `A ${type} order needs \`price\` (the limit price).`];
  if (needsStop && stopPrice === undefined)
    return ['ORDER_INVALID', `A ${type} order needs \`stopPrice\` (the trigger price).`];
  if (type === 'trailing_stop' && trailingOffset === undefined)
    return ['ORDER_INVALID', 'A trailing_stop order needs `trailingOffset`: { ticks: n } or { price: x }.'];
  if (r?.postOnly && type !== 'limit')
    return ['ORDER_INVALID', `\`postOnly\` applies to limit orders only, got type \`${type}\`.`];
  if (w.tif === 'GTD' && (expireAt === undefined || expireAt <= ex.clock.now())) {
    return [
      'ORDER_INVALID',
      `A GTD order needs \`expireAt\` (epoch µs) in the future, got ${describeValue(expireAt)}.`,
    ];
  }
  const off =
    offGrid(inst, 'price', needsPrice ? price : undefined) ??
    offGrid(inst, 'stopPrice', needsStop ? stopPrice : undefined) ??
    offGrid(inst, 'trailingOffset.price', (trailingOffset as { price?: number } | undefined)?.price) ??
    offGrid(inst, 'bracket.stopLoss', bracketPrice(bracket?.stopLoss)) ??
    offGrid(inst, 'bracket.takeProfit', bracketPrice(bracket?.takeProfit));
  if (off) return off;
  if (needsPrice) w.limitTick = priceToTicks(inst, price as number);
  if (needsStop) w.stopTick = priceToTicks(inst, stopPrice as number);
  const tpAt = (bracket?.takeProfit as { at?: number } | undefined)?.at;
  const far =
    outOfRange(w, 'price', needsPrice ? w.limitTick : Number.NaN, w.cside) ??
    outOfRange(w, 'bracket.takeProfit.at', tpAt === undefined ? Number.NaN : priceToTicks(inst, tpAt), 1 - w.cside);
  if (far) return far;
  if (type === 'trailing_stop')
    w.trailTicks = offsetTicks(inst, trailingOffset as { ticks: number } | { price: number });
  if (Number.isNaN(w.trailTicks) && bracket === undefined) return undefined;
  return (
    badOffset(inst, w.trailTicks) ??
    badOffset(inst, offsetTicksOf(inst, bracket?.stopLoss)) ??
    badOffset(inst, offsetTicksOf(inst, bracket?.takeProfit))
  );
}

/** A rejection when an offset of `t` ticks (NaN = none) is not a whole number of ticks > 0 within the ladder. */
function badOffset(inst: Instrument, t: number): Rejection | undefined {
  if (!Number.isNaN(t) && (t <= 0 || !Number.isInteger(t)))
    return ['ORDER_INVALID', `Expected offsets to be a whole number of ticks > 0, got ${t} ticks.`];
  if (t >= MAX_LADDER)
    return [
      PRICE_OUT_OF_RANGE,
      `Expected offsets under 16,777,216 ticks (the span of ${inst.symbol}'s price ladder), got ${t} ticks.`,
    ];
  return undefined;
}

/** Checks that depend on the market and the account at arrival time. */
export function riskCheck(ex: Engine, w: WorkingOrder): Rejection | undefined {
  const m = w.market;
  const inst = m.inst;
  const now = ex.clock.now();
  if (m.status === 'close' || (inst.sessions.length > 0 && sessionAt(inst, now) === undefined)) {
    return ['ORDER_MARKET_CLOSED', `${inst.symbol} is closed at ${now} µs. Send orders during its trading session.`];
  }
  if (m.status === 'halt')
    return ['ORDER_MARKET_HALTED', `${inst.symbol} is halted. Orders are accepted again after the market resumes.`];
  const pos = w.account.position(inst).lots;
  const signed = w.cside === BUY ? w.lots : -w.lots;
  if (w.req?.reduceOnly) {
    if (pos === 0 || Math.sign(pos) === Math.sign(signed) || Math.abs(signed) > Math.abs(pos)) {
      return [
        'ORDER_REDUCE_ONLY_INCREASES',
        `A reduce-only ${w.side} of ${w.quantity} would increase the ${inst.symbol} position of ${lotsToQuantity(inst, pos)}; it may only shrink it (at most ${lotsToQuantity(inst, Math.abs(pos))}, opposite side).`,
      ];
    }
  }
  if (inst.marginPerContract > 0 && !w.req?.reduceOnly) {
    const opposite = Math.sign(pos) === -Math.sign(signed) ? Math.abs(pos) : 0;
    const added = Math.max(0, w.lots - opposite);
    if (added > 0) {
      const required = new Decimal(inst.marginPerContract).times(lotsToQuantity(inst, added));
      const bp = ex.accounting.snapshot(w.account, ex.store.open, w).buyingPower;
      if (required.gt(bp)) {
        return [
          'ORDER_INSUFFICIENT_BUYING_POWER',
          `Buying power ${bp.toString()} ${w.account.currency} < required margin ${required.toString()} (${lotsToQuantity(inst, added)} × ${inst.marginPerContract}). Reduce the size or add funds.`,
        ];
      }
    }
  }
  if (w.type === 'stop' || w.type === 'stop_limit') {
    const msg = ex.triggers.wrongSide(m, w, w.stopTick);
    if (msg) return [STOP_WRONG_SIDE, msg];
  }
  const sl = w.req?.bracket?.stopLoss as { at?: number } | undefined;
  if (sl?.at !== undefined && ex.cfg.stopThroughMarket === 'reject') {
    const slTick = priceToTicks(inst, sl.at);
    const buy = w.cside === BUY;
    // The entry fills at its limit (or stop) price, or at the market a stop-loss would watch.
    let entry = w.type === 'limit' || w.type === 'stop_limit' ? w.limitTick : w.stopTick;
    if (Number.isNaN(entry)) {
      const probe = { cside: 1 - w.cside, stopTrigger: w.stopTrigger } as WorkingOrder;
      entry = ex.triggers.price(m, probe);
    }
    if (!Number.isNaN(entry) && (buy ? slTick >= entry : slTick <= entry)) {
      return [
        STOP_WRONG_SIDE,
        `The stop-loss of a ${w.side} bracket at ${sl.at} is ${buy ? 'at or above' : 'at or below'} the entry (${ticksToPrice(inst, entry)}), so it would trigger at once. Put it ${buy ? 'below' : 'above'} the entry, or give it as an offset: { ticks: n }.`,
      ];
    }
  }
  if (w.type === 'limit') {
    const crosses = marketableLots(ex, w, w.limitTick, 1) > 0;
    if (w.req?.postOnly && crosses) {
      return [
        'ORDER_POST_ONLY_WOULD_CROSS',
        `Post-only ${w.side} at ${ticksToPrice(inst, w.limitTick)} would take liquidity (it crosses the opposite side). Price it away from the market.`,
      ];
    }
  }
  if (w.tif === 'FOK' && (w.type === 'limit' || w.type === 'market')) {
    const limit =
      w.type === 'market' ? (w.cside === BUY ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY) : w.limitTick;
    const avail = marketableLots(ex, w, limit, w.lots);
    if (avail < w.lots) {
      return [
        'ORDER_FOK_UNFILLABLE',
        `Fill-or-kill ${w.side} of ${w.quantity} can fill only ${lotsToQuantity(inst, avail)} now. Use IOC to accept a partial fill.`,
      ];
    }
  }
  return undefined;
}

/** Lots an order could take at once up to `limit` (capped at `upTo`). */
export function marketableLots(ex: Engine, w: WorkingOrder, limit: number, upTo: number): number {
  const m = w.market;
  const avail = m.book.available(w.cside, limit, w.account.key, upTo);
  if (avail >= upTo || m.hasDepth || m.hasQuote) return avail;
  const touch = ex.touchTick(m, w.type === 'market');
  if (Number.isNaN(touch)) return avail;
  const through = w.type === 'market' || (w.cside === BUY ? touch <= limit : touch >= limit);
  return through ? Math.min(BIG, avail + m.printLots) : avail;
}
