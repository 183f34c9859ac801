/**
 * A small ccxt.pro bot: mean reversion on the trade stream ({@link MeanReversionRule}): when flat
 * and the last price is `threshold` below the mean of the last `window` trades it buys `amount` at
 * market, when long and `threshold` above it sells the position. It
 * only uses ccxt's unified API (watchTrades, createOrder, fetchBalance), so it runs unchanged
 * against Binance or against the TradeKit venue.
 */

import { MeanReversionRule } from './rule.js';

/** The part of a ccxt exchange the bot uses. */
export interface BotExchange {
  watchTrades(symbol: string): Promise<Array<{ id?: string | undefined; price?: number | undefined }>>;
  createOrder(
    symbol: string,
    type: string,
    side: string,
    amount: number,
  ): Promise<{
    id?: string | undefined;
    status?: string | undefined;
    average?: number | undefined;
    filled?: number | undefined;
  }>;
}

/** Bot parameters. */
export interface BotOptions {
  /** Unified symbol, e.g. `BTC/USDT`. */
  symbol: string;
  /** Trades in the moving mean. @default 20 */
  window?: number;
  /** Distance from the mean that triggers an entry or exit, in price units. @default 0.5 */
  threshold?: number;
  /** Order size in base units. @default 0.01 */
  amount?: number;
}

/** One order the bot sent and what came back. */
export interface BotOrder {
  id: string;
  side: 'buy' | 'sell';
  amount: number;
  /** The trade count when the bot decided (a deterministic clock for the bot). */
  atTrade: number;
  average: number | undefined;
}

/** The mean-reversion bot. */
export class MeanReversionBot {
  readonly symbol: string;
  readonly window: number;
  readonly threshold: number;
  readonly amount: number;
  /** Trades seen. */
  seen = 0;
  /** Base held by the bot's own orders. */
  position = 0;
  readonly orders: BotOrder[] = [];
  private readonly rule: MeanReversionRule;
  private lastId: string | undefined;
  private stopped = false;
  private inFlight = 0;

  constructor(
    private readonly exchange: BotExchange,
    options: BotOptions,
  ) {
    this.symbol = options.symbol;
    this.window = options.window ?? 20;
    this.threshold = options.threshold ?? 0.5;
    this.amount = options.amount ?? 0.01;
    this.rule = new MeanReversionRule(this.window, this.threshold);
    if (!(this.amount > 0)) throw new Error(`Expected amount to be > 0, got ${this.amount}.`);
  }

  /** Handles a batch of trades from `watchTrades` (skipping any already seen). */
  async onTrades(trades: Array<{ id?: string | undefined; price?: number | undefined }>): Promise<void> {
    this.inFlight++;
    try {
      await this.handle(trades);
    } finally {
      this.inFlight--;
    }
  }

  /** True when no batch is being handled (no order in flight). */
  get idle(): boolean {
    return this.inFlight === 0;
  }

  private async handle(trades: Array<{ id?: string | undefined; price?: number | undefined }>): Promise<void> {
    let start = 0;
    if (this.lastId !== undefined) {
      const i = trades.findIndex((t) => t.id === this.lastId);
      if (i >= 0) start = i + 1;
    }
    for (const t of trades.slice(start)) {
      this.seen++;
      this.lastId = t.id;
      if (t.price === undefined) continue;
      const side = this.rule.decide(t.price, this.position);
      if (side === undefined) continue;
      const amount = side === 'buy' ? this.amount : this.position;
      const o = await this.exchange.createOrder(this.symbol, 'market', side, amount);
      this.position = Number((this.position + (side === 'buy' ? 1 : -1) * (o.filled ?? amount)).toFixed(12));
      this.orders.push({ id: o.id ?? '', side, amount, atTrade: this.seen, average: o.average });
    }
  }

  /** Runs until {@link stop} (or until the exchange is closed). */
  async run(): Promise<void> {
    while (!this.stopped) {
      let trades: Array<{ id?: string | undefined; price?: number | undefined }>;
      try {
        trades = await this.exchange.watchTrades(this.symbol);
      } catch (err) {
        if (this.stopped) return;
        throw err;
      }
      await this.onTrades(trades);
    }
  }

  /** Asks the loop to stop after the current batch. */
  stop(): void {
    this.stopped = true;
  }
}
