/**
 * The bot's trading rule, free of any exchange API so that the ccxt bot and a backtest of the same
 * strategy run the very same code: keep the mean of the last `window` trade prices; when flat and
 * the price is `threshold` below the mean, buy; when long and `threshold` above it, sell.
 */
export class MeanReversionRule {
  private readonly prices: number[] = [];
  private sum = 0;

  constructor(
    readonly window: number,
    readonly threshold: number,
  ) {
    if (!(Number.isInteger(window) && window >= 2))
      throw new Error(`Expected window to be an integer ≥ 2, got ${window}.`);
    if (!(threshold >= 0)) throw new Error(`Expected threshold to be ≥ 0, got ${threshold}.`);
  }

  /** Feeds one trade price with the current position; returns the side to trade, if any. */
  decide(price: number, position: number): 'buy' | 'sell' | undefined {
    this.prices.push(price);
    this.sum += price;
    if (this.prices.length > this.window) this.sum -= this.prices.shift() as number;
    if (this.prices.length < this.window) return undefined;
    const mean = this.sum / this.window;
    if (position === 0 && price < mean - this.threshold) return 'buy';
    if (position > 0 && price > mean + this.threshold) return 'sell';
    return undefined;
  }
}
