/**
 * The per-symbol generator: price path on the tick grid, spread, L1/L2 book, Hawkes trade
 * arrivals, quote refreshes and status changes. Hot path: integer ticks and lots in typed
 * arrays, no Decimal, no closures per event; the only allocation per event is the event itself.
 */
import { type BookLevel, type MarketEvent, type MarketStatus, type Rng, sessionAt } from '@tradekit/types';
import type { ResolvedSymbol } from './config.js';
import type { ProcessStepper } from './process.js';
import { US_PER_YEAR } from './process.js';
import {
  type MarketConditions,
  type PlacedScenario,
  type ScenarioStep,
  neutralConditions,
  resetConditions,
} from './scenario.js';

const US_PER_MINUTE = 60_000_000;
const MAX_SWEEP = 3;
// Microstructure draws use one 32-bit output per uniform (half the cost of a 53-bit double);
// (u + 0.5)·2⁻³² is never 0 or 1, so it is safe under log and negative powers.
const U32 = 2.3283064365386963e-10;

/** Simulates one symbol, one price step at a time. */
export class SymbolEngine {
  readonly symbol: string;
  private readonly tickUnits: number;
  private readonly priceScale: number;
  private readonly lotUnits: number;
  private readonly sizeScale: number;
  private readonly levels: number;
  private readonly emitBook: boolean;
  private readonly rng: Rng;
  private readonly stepper: ProcessStepper;
  private readonly spec: ResolvedSymbol;
  private readonly scenarios: PlacedScenario[];
  private readonly scenarioSteps: ScenarioStep[];
  private readonly cond: MarketConditions = neutralConditions();
  private readonly dtYears: number;
  private readonly stepUs: number;
  private readonly statusEvents: boolean;

  private logP: number;
  private pStart: number;
  private pEnd: number;

  private invStep: number;
  private status: MarketStatus = 'open';
  private started = false;
  // Emission time: never decreases; each book event gets its own µs so the canonical CSV
  // (which groups book rows by ts) reads back the same events.
  private cur = 0;
  private lastBookTs = Number.NEGATIVE_INFINITY;
  private needSnapshot = true;

  // Hawkes trade arrivals: immigrant rate mu and excess intensity E (per µs) at time tE.
  private mu = 0;
  private excess = 0;
  private tExcess = 0;
  private readonly beta: number;
  private readonly jumpA: number;
  private tImm = Number.POSITIVE_INFINITY;
  private tOff = Number.POSITIVE_INFINITY;
  private quoteRate = 0;
  private tNextQuote = Number.POSITIVE_INFINITY;

  private spreadTicks = 1;
  private spacing = 1;
  private depthMean: number;
  private buyProb = 0.5;
  private readonly sizeExp: number;

  private bidPx: Float64Array;
  private bidSz: Float64Array;
  private askPx: Float64Array;
  private askSz: Float64Array;
  private nbPx: Float64Array;
  private nbSz: Float64Array;
  private naPx: Float64Array;
  private naSz: Float64Array;
  private readonly profile: Float64Array;
  // Changed levels of the event being built (book on): reused scratch, copied into the event.
  private dBids: BookLevel[] = [];
  private dAsks: BookLevel[] = [];

  constructor(
    spec: ResolvedSymbol,
    rng: Rng,
    stepUs: number,
    bookLevels: number,
    scenarios: PlacedScenario[],
    statusEvents: boolean,
  ) {
    this.spec = spec;
    const inst = spec.instrument;
    this.symbol = inst.symbol;
    this.tickUnits = inst.tickUnits;
    this.priceScale = inst.priceScale;
    this.sizeScale = 10 ** inst.sizeDecimals;
    this.lotUnits = Math.round(inst.lotSize * this.sizeScale);
    this.levels = Math.max(1, bookLevels);
    this.emitBook = bookLevels > 0;
    this.rng = rng.fork('micro');
    this.stepUs = stepUs;
    this.invStep = 1 / stepUs;
    this.dtYears = stepUs / US_PER_YEAR;
    this.statusEvents = statusEvents;
    this.stepper = spec.process.start(rng.fork('process'), this.dtYears, spec.price);
    this.logP = Math.log(spec.price);
    this.pStart = spec.price;
    this.pEnd = spec.price;
    this.beta = 1 / spec.micro.excitationDecayUs;
    this.jumpA = spec.micro.branching * this.beta;
    this.depthMean = spec.micro.depth;
    this.sizeExp = -1 / spec.micro.sizeTailIndex;
    const n = this.levels;
    this.bidPx = new Float64Array(n);
    this.bidSz = new Float64Array(n);
    this.askPx = new Float64Array(n);
    this.askSz = new Float64Array(n);
    this.nbPx = new Float64Array(n);
    this.nbSz = new Float64Array(n);
    this.naPx = new Float64Array(n);
    this.naSz = new Float64Array(n);
    this.profile = new Float64Array(n);
    // Hump-shaped depth: thinner at the touch, peaking a few levels out, tapering deeper.
    for (let i = 0; i < n; i++) this.profile[i] = ((0.6 + 0.25 * i) * Math.exp(-i / 8)) / 0.6;
    this.scenarios = scenarios.filter((s) => !s.symbols || s.symbols.has(this.symbol));
    this.scenarioSteps = this.scenarios.map((s, i) => ({
      symbol: this.symbol,
      ts: 0,
      stepUs,
      from: s.from,
      to: s.to,
      progress: 0,
      progressEnd: 0,
      first: true,
      last: false,
      dtYears: this.dtYears,
      rng: rng.fork(`scenario${i}:${s.scenario.name}`),
    }));
  }

  /** The current efficient (unrounded) price. */
  get efficientPrice(): number {
    return this.pEnd;
  }

  /** Runs scenarios and the price process for the step starting at `t0`, then emits its events into `out`. */
  runStep(t0: number, t1: number, z: number, out: MarketEvent[]): void {
    const c = this.cond;
    resetConditions(c);
    const sc = this.scenarios;
    for (let i = 0; i < sc.length; i++) {
      const s = sc[i] as PlacedScenario;
      if (t0 + this.stepUs <= s.from || t0 >= s.to) continue;
      const st = this.scenarioSteps[i] as ScenarioStep;
      const len = s.to - s.from;
      st.ts = t0;
      st.progress = Math.max(0, (t0 - s.from) / len);
      st.progressEnd = Math.min(1, (t0 + this.stepUs - s.from) / len);
      st.last = t0 + this.stepUs >= s.to;
      s.scenario.apply(c, st);
      st.first = false;
    }
    // Trading sessions of the instrument: closed outside them, and a step that runs past a close
    // stops its events at the close exactly (status changes otherwise fall on step starts).
    let closeAt = Number.POSITIVE_INFINITY;
    if (this.spec.instrument.sessions.length > 0 && c.status === 'open') {
      const session = sessionAt(this.spec.instrument, t0);
      if (session === undefined) {
        c.status = 'close';
        c.reason = 'session closed';
      } else {
        if (session.close < t1) closeAt = session.close;
        if (this.status === 'close') c.reason ??= 'session open';
      }
    }
    const season = this.seasonFactor(t0);
    const seasonActivity = this.activityFactor(t0, season);
    const baseVol = this.stepper.baseVolatility;
    const r0 = this.stepper.step(z, this.logP);
    const volMult = c.volatilityMultiplier * Math.sqrt(season);
    const r = r0 * volMult + c.drift * this.dtYears;
    // A jump happens at the step start (a gap), the diffusion is spread over the step.
    if (c.jump !== 0) {
      this.logP += c.jump;
      this.pStart = Math.exp(this.logP);
    } else {
      this.pStart = this.pEnd;
    }
    this.logP += r;
    this.pEnd = Math.exp(this.logP);

    this.invStep = 1 / (t1 - t0);

    const vol = this.stepper.volatility() * volMult;
    const ratio = baseVol > 0 ? vol / baseVol : 1;
    const m = this.spec.micro;
    const coupling = m.volatilityCoupling === 1 ? ratio : m.volatilityCoupling > 0 ? ratio ** m.volatilityCoupling : 1;
    const activity = seasonActivity * c.activityMultiplier * coupling;
    const thin = c.depthMultiplier < 1 ? 1 / Math.sqrt(c.depthMultiplier) : 1;
    this.spreadTicks = Math.max(
      1,
      Math.round(
        m.spreadTicks * c.spreadMultiplier * thin * (1 + m.spreadVolatilitySensitivity * Math.max(0, ratio - 1)) +
          c.spreadAddTicks,
      ),
    );
    this.spacing = Math.max(1, Math.round(c.levelSpacing));
    this.depthMean = Math.max(1, m.depth * c.depthMultiplier);
    const sdStep = vol * Math.sqrt(this.dtYears);
    this.buyProb = sdStep > 0 ? 0.5 + 0.2 * Math.tanh(r / sdStep) : 0.5;

    if (t0 > this.cur) this.cur = t0;
    if (!this.started) {
      this.started = true;
      this.status = c.status;
      if (this.statusEvents)
        out.push({
          type: 'status',
          symbol: this.symbol,
          ts: this.cur,
          status: c.status,
          reason: c.reason ?? 'market start',
        });
    } else if (c.status !== this.status) {
      this.status = c.status;
      out.push({
        type: 'status',
        symbol: this.symbol,
        ts: this.cur,
        status: c.status,
        reason: c.reason ?? (c.status === 'open' ? 'resumed' : c.status),
      });
      if (c.status === 'open') this.needSnapshot = true;
    }
    if (this.status !== 'open') {
      this.stopArrivals();
      return;
    }
    if (this.needSnapshot) {
      this.needSnapshot = false;
      this.rebuildFresh(this.pStart);
      if (this.emitBook) out.push(this.snapshotEvent());
      out.push(this.quoteEvent());
    }

    // Rates change per step. Pending arrivals are kept in units of integrated hazard and
    // rescaled (exact for piecewise-constant rates), so a step costs no new random draws.
    const rateScale = activity / 1_000_000;
    const mu = m.tradeRate * (1 - m.branching) * rateScale;
    this.tImm = this.rescale(this.tImm, t0, this.mu, mu);
    this.mu = mu;
    const q = m.quoteRate * rateScale;
    this.tNextQuote = this.rescale(this.tNextQuote, t0, this.quoteRate, q);
    this.quoteRate = q;

    const rng = this.rng;
    while (true) {
      const ti = this.tImm;
      const to = this.tOff;
      const tt = Math.min(ti, to);
      const tq = this.tNextQuote;
      const t = Math.min(tt, tq);
      if (t >= t1 || t >= closeAt) break;
      const ts = Math.floor(t);
      if (ts > this.cur) this.cur = ts;
      const p = this.pStart + (this.pEnd - this.pStart) * (t - t0) * this.invStep;
      if (tt < tq) {
        this.recenter(p, out);
        this.trade(out);
        if (ti <= to) this.tImm = t - Math.log((rng.uint32() + 0.5) * U32) / this.mu;
        // Hawkes: the excitation jumps by α; its next offspring is drawn exactly (Dassios–Zhao).
        const e = this.excess * Math.exp(-this.beta * (t - this.tExcess)) + this.jumpA;
        this.excess = e;
        this.tExcess = t;
        const d = 1 + (this.beta * Math.log((rng.uint32() + 0.5) * U32)) / e;
        this.tOff = d > 0 ? t - Math.log(d) / this.beta : Number.POSITIVE_INFINITY;
      } else {
        if (!this.recenter(p, out)) this.flicker(out);
        this.tNextQuote = t - Math.log((rng.uint32() + 0.5) * U32) / this.quoteRate;
      }
    }
    if (closeAt !== Number.POSITIVE_INFINITY) {
      if (closeAt > this.cur) this.cur = closeAt;
      this.status = 'close';
      out.push({ type: 'status', symbol: this.symbol, ts: this.cur, status: 'close', reason: 'session closed' });
      this.stopArrivals();
    }
  }

  /** Arrivals restart fresh after a halt or a close; excitation does not survive it. */
  private stopArrivals(): void {
    this.mu = 0;
    this.quoteRate = 0;
    this.tImm = Number.POSITIVE_INFINITY;
    this.tOff = Number.POSITIVE_INFINITY;
    this.tNextQuote = Number.POSITIVE_INFINITY;
    this.excess = 0;
  }

  /** Next arrival after a rate change from `oldRate` to `newRate` at `t0`. */
  private rescale(next: number, t0: number, oldRate: number, newRate: number): number {
    if (!(newRate > 0)) return Number.POSITIVE_INFINITY;
    if (oldRate > 0 && next !== Number.POSITIVE_INFINITY) return t0 + ((next - t0) * oldRate) / newRate;
    return t0 - Math.log((this.rng.uint32() + 0.5) * U32) / newRate;
  }

  /** Activity multiplier: the fitted activity profile when there is one, else the variance season. */
  private activityFactor(t: number, season: number): number {
    const p = this.spec.micro.seasonality?.activityProfile;
    if (!p) return season;
    return p[Math.floor((((t / US_PER_MINUTE) % 1440) * p.length) / 1440) % p.length] as number;
  }

  private seasonFactor(t: number): number {
    const s = this.spec.micro.seasonality;
    if (!s) return 1;
    if (s.varianceProfile) {
      const p = s.varianceProfile;
      return p[Math.floor((((t / US_PER_MINUTE) % 1440) * p.length) / 1440) % p.length] as number;
    }
    const minute = (t / US_PER_MINUTE) % 1440;
    let x = (minute - s.openMin + 1440) % 1440;
    if (x >= s.lengthMin) return 1 - s.amplitude * 0.5;
    x /= s.lengthMin;
    const d = 2 * x - 1;
    // U-shape with mean 1 over the session: 1 + a at open and close, 1 − a/2 at midday.
    return 1 + (s.amplitude * (3 * d * d - 1)) / 2;
  }

  private freshSize(level: number): number {
    const lots = Math.round(this.depthMean * (this.profile[level] as number) * (0.4 + 1.2 * (this.rng.uint32() * U32)));
    return Math.max(lots, 1);
  }

  private price(ticks: number): number {
    return (ticks * this.tickUnits) / this.priceScale;
  }

  private size(lots: number): number {
    return this.lotUnits === 1 && this.sizeScale === 1 ? lots : (lots * this.lotUnits) / this.sizeScale;
  }

  /** Stamps a book event: strictly after the previous one of this symbol. */
  private bookTs(): number {
    if (this.cur <= this.lastBookTs) this.cur = this.lastBookTs + 1;
    this.lastBookTs = this.cur;
    return this.cur;
  }

  private quoteEvent(): MarketEvent {
    const ts = this.cur;
    return {
      type: 'quote',
      symbol: this.symbol,
      ts,
      bid: this.price(this.bidPx[0] as number),
      bidSize: this.size(this.bidSz[0] as number),
      ask: this.price(this.askPx[0] as number),
      askSize: this.size(this.askSz[0] as number),
    };
  }

  private snapshotEvent(): MarketEvent {
    const ts = this.bookTs();
    const bids: BookLevel[] = [];
    const asks: BookLevel[] = [];
    for (let i = 0; i < this.levels; i++) {
      bids.push({ price: this.price(this.bidPx[i] as number), size: this.size(this.bidSz[i] as number) });
      asks.push({ price: this.price(this.askPx[i] as number), size: this.size(this.askSz[i] as number) });
    }
    return { type: 'book_snapshot', symbol: this.symbol, ts, bids, asks };
  }

  private flushDelta(out: MarketEvent[]): void {
    if (this.dBids.length === 0 && this.dAsks.length === 0) return;
    out.push({ type: 'book_delta', symbol: this.symbol, ts: this.bookTs(), bids: this.dBids, asks: this.dAsks });
    this.dBids = [];
    this.dAsks = [];
  }

  private touchFor(p: number): number {
    const m = (p * this.priceScale) / this.tickUnits;
    return Math.floor(m - this.spreadTicks * 0.5 + 0.5);
  }

  /** A whole new book around `p` (start, after a halt). */
  private rebuildFresh(p: number): void {
    const bid = this.touchFor(p);
    const ask = bid + this.spreadTicks;
    for (let i = 0; i < this.levels; i++) {
      this.bidPx[i] = bid - i * this.spacing;
      this.bidSz[i] = this.freshSize(i);
      this.askPx[i] = ask + i * this.spacing;
      this.askSz[i] = this.freshSize(i);
    }
  }

  /**
   * Moves the book to be centred on `p` with the current spread and spacing. Levels at prices
   * that stay keep their size; new ones get fresh size. Returns false when nothing moved.
   */
  private recenter(p: number, out: MarketEvent[]): boolean {
    const bid = this.touchFor(p);
    const ask = bid + this.spreadTicks;
    const n = this.levels;
    const sp = this.spacing;
    if (
      bid === this.bidPx[0] &&
      ask === this.askPx[0] &&
      (n === 1 ||
        (this.bidPx[1] === bid - sp &&
          this.askPx[1] === ask + sp &&
          this.bidPx[n - 1] === bid - (n - 1) * sp &&
          this.askPx[n - 1] === ask + (n - 1) * sp))
    ) {
      return false;
    }
    this.rebuildSide(bid, -sp, this.bidPx, this.bidSz, this.nbPx, this.nbSz, this.dBids);
    this.rebuildSide(ask, sp, this.askPx, this.askSz, this.naPx, this.naSz, this.dAsks);
    let tp = this.bidPx;
    this.bidPx = this.nbPx;
    this.nbPx = tp;
    tp = this.bidSz;
    this.bidSz = this.nbSz;
    this.nbSz = tp;
    tp = this.askPx;
    this.askPx = this.naPx;
    this.naPx = tp;
    tp = this.askSz;
    this.askSz = this.naSz;
    this.naSz = tp;
    if (this.emitBook) this.flushDelta(out);
    out.push(this.quoteEvent());
    return true;
  }

  /**
   * Builds the new side into (npx, nsz) from the old (px, sz); `dir` is −spacing for bids.
   * Records changed levels in `delta` when the book is emitted.
   */
  private rebuildSide(
    touch: number,
    dir: number,
    px: Float64Array,
    sz: Float64Array,
    npx: Float64Array,
    nsz: Float64Array,
    delta: BookLevel[],
  ): void {
    const n = this.levels;
    // sign: for bids (dir < 0) prices descend, "better" = higher.
    const sgn = dir < 0 ? -1 : 1;
    let j = 0;
    for (let i = 0; i < n; i++) {
      const price = touch + i * dir;
      // Old levels are sorted best-first; skip those better than this price.
      while (j < n && ((px[j] as number) - price) * sgn < 0) j++;
      npx[i] = price;
      nsz[i] = j < n && px[j] === price ? (sz[j] as number) : this.freshSize(i);
    }
    if (!this.emitBook) return;
    // Diff: walk both sorted lists best-first.
    let a = 0;
    let b = 0;
    while (a < n || b < n) {
      const oldP = a < n ? (px[a] as number) : Number.NaN;
      const newP = b < n ? (npx[b] as number) : Number.NaN;
      if (b >= n || (a < n && (oldP - newP) * sgn < 0)) {
        delta.push({ price: this.price(oldP), size: 0 });
        a++;
      } else if (a >= n || (newP - oldP) * sgn < 0) {
        delta.push({ price: this.price(newP), size: this.size(nsz[b] as number) });
        b++;
      } else {
        if (sz[a] !== nsz[b]) delta.push({ price: this.price(newP), size: this.size(nsz[b] as number) });
        a++;
        b++;
      }
    }
  }

  /** Makers re-quote without moving: one level's size changes (the touch half the time). */
  private flicker(out: MarketEvent[]): void {
    const rng = this.rng;
    const u = rng.uint32() * U32;
    const bidSide = u < 0.5;
    const frac = bidSide ? u * 2 : (u - 0.5) * 2;
    const level = this.emitBook ? Math.floor(frac * frac * this.levels) : 0;
    const px = bidSide ? this.bidPx : this.askPx;
    const sz = bidSide ? this.bidSz : this.askSz;
    const old = sz[level] as number;
    // Mean-reverting toward the profile so sizes neither vanish nor explode.
    const target = this.depthMean * (this.profile[level] as number);
    let next = Math.round(old + (target - old) * 0.3 + (rng.uint32() * U32 - 0.5) * 0.6 * target);
    if (next < 1) next = 1;
    if (next === old) next = old + 1;
    sz[level] = next;
    if (this.emitBook) {
      const lvl = { price: this.price(px[level] as number), size: this.size(next) };
      out.push({
        type: 'book_delta',
        symbol: this.symbol,
        ts: this.bookTs(),
        bids: bidSide ? [lvl] : [],
        asks: bidSide ? [] : [lvl],
      });
    }
    if (level === 0) out.push(this.quoteEvent());
  }

  /** One aggressive order: consumes displayed size at the touch, sweeping up to 3 levels. */
  private trade(out: MarketEvent[]): void {
    const rng = this.rng;
    const buy = rng.uint32() * U32 < this.buyProb;
    const m = this.spec.micro;
    let lots = Math.floor(m.minTradeLots * ((rng.uint32() + 0.5) * U32) ** this.sizeExp);
    if (lots > m.maxTradeLots) lots = m.maxTradeLots;
    const px = buy ? this.askPx : this.bidPx;
    const sz = buy ? this.askSz : this.bidSz;
    const dir = buy ? this.spacing : -this.spacing;
    const n = this.levels;
    const side = buy ? 'buy' : 'sell';
    const sweep = Math.min(n, MAX_SWEEP);
    for (let k = 0; k < sweep && lots > 0; k++) {
      const avail = sz[0] as number;
      const take = Math.min(lots, avail);
      const p = px[0] as number;
      out.push({ type: 'trade', symbol: this.symbol, ts: this.cur, price: this.price(p), size: this.size(take), side });
      lots -= take;
      if (take < avail) {
        sz[0] = avail - take;
        if (this.emitBook)
          (buy ? this.dAsks : this.dBids).push({ price: this.price(p), size: this.size(avail - take) });
      } else {
        // Level emptied: the next one becomes the touch and a fresh level appears at the back.
        for (let i = 1; i < n; i++) {
          px[i - 1] = px[i] as number;
          sz[i - 1] = sz[i] as number;
        }
        px[n - 1] = (n > 1 ? (px[n - 2] as number) : p) + dir;
        sz[n - 1] = this.freshSize(n - 1);
        if (this.emitBook) {
          const delta = buy ? this.dAsks : this.dBids;
          delta.push({ price: this.price(p), size: 0 });
          delta.push({ price: this.price(px[n - 1] as number), size: this.size(sz[n - 1] as number) });
        }
      }
      // One delta per print, so a book rebuilt from the stream shows each print at its touch.
      if (this.emitBook) this.flushDelta(out);
    }
    out.push(this.quoteEvent());
  }
}
