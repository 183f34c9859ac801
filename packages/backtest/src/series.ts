/** Closed-bar history windows: the only view of past bars a strategy gets. */
import type { BarEvent } from '@tradekit/types';
import { TradeKitError } from '@tradekit/types';

/**
 * The last `capacity` closed bars of one symbol and timeframe, newest first: `close(0)` is the
 * latest closed bar's close, `close(1)` the one before. There is no index for the bar still
 * forming or a later one: a negative index throws `BACKTEST_LOOKAHEAD`; an index past the
 * history gives `NaN` (or `undefined` from `at`).
 *
 * @example
 * const s = ctx.bars('MNQ', '15m');
 * if (s.length >= 2 && s.close(0) > s.close(1)) ctx.buy(1);
 */
export class BarSeries {
  /** Symbol of the bars. */
  readonly symbol: string;
  /** Timeframe of the bars, e.g. `"15m"` (empty until the first bar when the strategy declared none). */
  timeframe: string;
  /** Most bars kept. */
  readonly capacity: number;
  private readonly o: Float64Array;
  private readonly h: Float64Array;
  private readonly l: Float64Array;
  private readonly c: Float64Array;
  private readonly v: Float64Array;
  private readonly t: Float64Array;
  private readonly s: Float64Array;
  private head = -1;
  private n = 0;
  /** Closed bars seen in total (not only those kept). */
  count = 0;

  /** Creates an empty window of `capacity` bars. */
  constructor(symbol: string, timeframe: string, capacity: number) {
    this.symbol = symbol;
    this.timeframe = timeframe;
    this.capacity = capacity;
    this.o = new Float64Array(capacity);
    this.h = new Float64Array(capacity);
    this.l = new Float64Array(capacity);
    this.c = new Float64Array(capacity);
    this.v = new Float64Array(capacity);
    this.t = new Float64Array(capacity);
    this.s = new Float64Array(capacity);
  }

  /** Bars available (at most `capacity`). */
  get length(): number {
    return this.n;
  }

  /** @internal Adds a closed bar (engine only). */
  push(b: BarEvent): void {
    const i = this.head + 1 === this.capacity ? 0 : this.head + 1;
    this.head = i;
    this.o[i] = b.open;
    this.h[i] = b.high;
    this.l[i] = b.low;
    this.c[i] = b.close;
    this.v[i] = b.volume;
    this.t[i] = b.ts;
    this.s[i] = b.start;
    if (this.n < this.capacity) this.n++;
    this.count++;
  }

  private slot(ago: number): number {
    if (!(ago >= 0)) {
      throw new TradeKitError(
        'BACKTEST_LOOKAHEAD',
        `Expected a bar index ≥ 0 (0 = the latest closed ${this.timeframe} bar of ${this.symbol}, 1 = the one before), got ${ago}. A strategy sees only closed bars: the forming bar and later ones do not exist yet.`,
        { details: { field: 'ago', value: ago, symbol: this.symbol, timeframe: this.timeframe } },
      );
    }
    if (ago >= this.n || !Number.isInteger(ago)) return -1;
    const i = this.head - ago;
    return i < 0 ? i + this.capacity : i;
  }

  /** Close `ago` bars back (0 = latest closed); NaN past the history. */
  close(ago = 0): number {
    const i = this.slot(ago);
    return i < 0 ? Number.NaN : (this.c[i] as number);
  }
  /** Open `ago` bars back. */
  open(ago = 0): number {
    const i = this.slot(ago);
    return i < 0 ? Number.NaN : (this.o[i] as number);
  }
  /** High `ago` bars back. */
  high(ago = 0): number {
    const i = this.slot(ago);
    return i < 0 ? Number.NaN : (this.h[i] as number);
  }
  /** Low `ago` bars back. */
  low(ago = 0): number {
    const i = this.slot(ago);
    return i < 0 ? Number.NaN : (this.l[i] as number);
  }
  /** Volume `ago` bars back. */
  volume(ago = 0): number {
    const i = this.slot(ago);
    return i < 0 ? Number.NaN : (this.v[i] as number);
  }
  /** Close time (µs) `ago` bars back. */
  time(ago = 0): number {
    const i = this.slot(ago);
    return i < 0 ? Number.NaN : (this.t[i] as number);
  }
  /** The whole bar `ago` bars back, or undefined past the history. */
  at(ago = 0): BarEvent | undefined {
    const i = this.slot(ago);
    if (i < 0) return undefined;
    return {
      type: 'bar',
      symbol: this.symbol,
      timeframe: this.timeframe,
      ts: this.t[i] as number,
      start: this.s[i] as number,
      open: this.o[i] as number,
      high: this.h[i] as number,
      low: this.l[i] as number,
      close: this.c[i] as number,
      volume: this.v[i] as number,
    };
  }
  /** Closes of the last `n` bars, oldest first (fewer if the history is shorter). */
  closes(n = this.n): number[] {
    const k = Math.min(n, this.n);
    const out = new Array<number>(k);
    for (let j = 0; j < k; j++) out[j] = this.close(k - 1 - j);
    return out;
  }
}
