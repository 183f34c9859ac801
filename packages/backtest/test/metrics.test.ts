/**
 * Metrics against values computed by hand (the expected numbers were worked out separately in
 * plain float arithmetic from backtesting.py 0.6.6's definitions; the derivation is beside each).
 */
import { describe, expect, it } from 'vitest';
import { type TradeRecord, computeMetrics } from '../src/index.js';

const DAY = 86_400_000_000;
const MIN = 60_000_000;
const MON = Date.UTC(2024, 0, 1) * 1000; // Monday 2024-01-01

function rel(actual: number | null, expected: number) {
  expect(actual).not.toBeNull();
  const a = actual as number;
  expect(Math.abs(a - expected) / Math.max(Math.abs(expected), 1e-300), `${a} vs ${expected}`).toBeLessThan(1e-9);
}

const trade = (t: Partial<TradeRecord>): TradeRecord => ({
  symbol: 'X',
  size: 1,
  entryTime: 0,
  exitTime: 0,
  entryBar: 0,
  exitBar: 0,
  entryPrice: 100,
  exitPrice: 100,
  pnl: 0,
  returnPct: 0,
  commissions: 0,
  mae: 0,
  mfe: 0,
  ...t,
});

describe('computeMetrics: equity curve, daily weekdays', () => {
  // Equity 100 → 110 → 99 → 121 on Mon..Thu. No weekend bars → 252 periods a year.
  const ts = [0, 1, 2, 3].map((k) => MON + k * DAY);
  const m = computeMetrics({ ts, equity: [100, 110, 99, 121], trades: [] });

  it('return, peak, drawdown in % and money, drawdown period', () => {
    expect(m.returnPct).toBeCloseTo(21, 12); // (121 − 100) / 100
    expect(m.equityPeak).toBe(121);
    rel(m.maxDrawdownPct, -10); // 1 − 99/110
    rel(m.maxDrawdown, 11); // 110 − 99
    // Highs at bars 0, 1, 3: one period from the last high (bar 1) to the recovery (bar 3).
    expect(m.maxDrawdownDuration).toBe(2 * DAY);
    expect(m.avgDrawdownDuration).toBe(2 * DAY);
    rel(m.avgDrawdownPct, -10);
    expect(m.periodsPerYear).toBe(252);
  });

  it('annualised return, volatility, Sharpe, Sortino, Calmar, CAGR', () => {
    // r = [0.1, −0.1, 0.2̅]; g = 1.21^(1/3) − 1 = 0.0656022367666107
    rel(m.returnAnnPct, 899437640.3477194); // ((1+g)^252 − 1)·100
    rel(m.volatilityAnnPct, 16362838989.465466); // √((var + (1+g)²)^252 − (1+g)^504)·100, var ddof 1
    rel(m.sharpe, 0.054968312095889045);
    rel(m.sortino, 9813669.213775933); // ann / (√(mean(min(r,0)²))·√252), all 3 returns in the mean
    rel(m.calmar, 89943764.03477193); // ann / 0.1
    rel(m.cagrPct, 1199827567032.402); // (1.21^(365.25/3) − 1)·100: calendar days
  });
});

describe('computeMetrics: intraday with weekends', () => {
  // Fri 23:58, 23:59 | Sat 00:00, 00:01 | Sun 00:00. Weekend share 3/5 > 0.1714 → 365 a year;
  // median spacing 1 minute → resampled to the last equity of each UTC day: 101, 99, 105.
  const fri = MON + 4 * DAY;
  const ts = [fri + DAY - 2 * MIN, fri + DAY - MIN, fri + DAY, fri + DAY + MIN, fri + 2 * DAY];
  const m = computeMetrics({ ts, equity: [100, 101, 102, 99, 105], trades: [] });
  it('uses daily samples and D = 365', () => {
    expect(m.periodsPerYear).toBe(365);
    rel(m.returnAnnPct, 119683.32518540333);
    rel(m.volatilityAnnPct, 173817.26991485417);
    rel(m.sharpe, 0.6885583074917192);
    rel(m.sortino, 4473.9753864603035);
    rel(m.calmar, 40692.330563037125);
    rel(m.maxDrawdownPct, -2.941176470588236); // 1 − 99/102
    expect(m.maxDrawdown).toBe(3);
    expect(m.maxDrawdownDuration).toBe(DAY); // Sat 00:00 (last high) → Sun 00:00 (recovery)
    rel(m.cagrPct, 5353739442.927482);
    expect(m.duration).toBe(DAY + 2 * MIN);
  });
  it('an unrecovered drawdown runs to the last bar; no drawdown gives null ratios', () => {
    const u = computeMetrics({ ts: [0, MIN, 2 * MIN, 3 * MIN], equity: [100, 90, 95, 92], trades: [] });
    expect(u.maxDrawdownDuration).toBe(3 * MIN);
    rel(u.avgDrawdownPct, -10);
    const flat = computeMetrics({ ts: [0, MIN], equity: [100, 100], trades: [] });
    expect(flat.calmar).toBeNull();
    expect(flat.maxDrawdownDuration).toBeNull();
    expect(flat.trades).toBe(0);
    expect(flat.winRatePct).toBeNull();
  });
});

describe('computeMetrics: trade statistics', () => {
  // Four trades on a 4-bar curve (time in minutes):
  //  t1 long 1 @100 → 110, $1 commissions: PnL 9, ReturnPct 0.1 − 1/100 = 0.09, bars 0..1
  //  t2 long 1 @200 → 220: PnL 20, 0.1, bars 1..1
  //  t3 short 2 @50 → 55: PnL −10, −0.1, bars 1..2
  //  t4 long 1 @100 → 100, $0.5: PnL −0.5, −0.005, bars 2..2
  const trades = [
    trade({
      entryPrice: 100,
      exitPrice: 110,
      pnl: 9,
      returnPct: 0.09,
      commissions: 1,
      entryTime: 0,
      exitTime: 5 * MIN,
      entryBar: 0,
      exitBar: 1,
    }),
    trade({
      entryPrice: 200,
      exitPrice: 220,
      pnl: 20,
      returnPct: 0.1,
      entryTime: 5 * MIN,
      exitTime: 5 * MIN,
      entryBar: 1,
      exitBar: 1,
    }),
    trade({
      size: -2,
      entryPrice: 50,
      exitPrice: 55,
      pnl: -10,
      returnPct: -0.1,
      entryTime: 5 * MIN,
      exitTime: 10 * MIN,
      entryBar: 1,
      exitBar: 2,
    }),
    trade({
      pnl: -0.5,
      returnPct: -0.005,
      commissions: 0.5,
      entryTime: 10 * MIN,
      exitTime: 10.5 * MIN,
      entryBar: 2,
      exitBar: 2,
    }),
  ];
  const m = computeMetrics({
    ts: [0, 5 * MIN, 10 * MIN, 15 * MIN],
    equity: [1000, 1009, 1019, 1018.5],
    trades,
    feesPaid: 2,
  });
  it('counts, rates, best/worst, means', () => {
    expect(m.trades).toBe(4);
    expect(m.winRatePct).toBe(50); // PnL > 0: t1, t2
    rel(m.bestTradePct, 10);
    rel(m.worstTradePct, -10);
    rel(m.avgTradePct, 1.7937686577129242); // (1.09·1.1·0.9·0.995)^(1/4) − 1, geometric
    rel(m.expectancyPct, 2.125); // (0.09 + 0.1 − 0.1 − 0.005) / 4
    rel(m.expectancy, 4.625); // mean PnL
    rel(m.profitFactor, 1.8095238095238095); // 0.19 / 0.105 over ReturnPct
    rel(m.sqn, 0.7196119662144674); // √4 · 4.625 / std(PnL, ddof 1)
    rel(m.kelly, 0.31896551724137934); // 0.5 − 0.5 / (14.5 / 5.25)
  });
  it('money stats, streaks, exposure, durations, fees', () => {
    expect(m.avgWin).toBe(14.5);
    expect(m.avgLoss).toBe(-5.25);
    expect(m.largestWin).toBe(20);
    expect(m.largestLoss).toBe(-10);
    expect(m.maxConsecutiveWins).toBe(2);
    expect(m.maxConsecutiveLosses).toBe(2);
    expect(m.exposurePct).toBe(75); // bars 0, 1, 2 of 4, inclusive, each once
    expect(m.maxTradeDuration).toBe(5 * MIN);
    // (5 + 0 + 5 + 0.5) / 4 = 2.625 min, ceiled to the data's resolution (minutes) → 3 min
    expect(m.avgTradeDuration).toBe(3 * MIN);
    expect(m.commissions).toBe(1.5);
    expect(m.feesPaid).toBe(2);
  });
  it('a break-even trade is a loss; all winners give an infinite profit factor', () => {
    const w = computeMetrics({
      ts: [0, MIN],
      equity: [1, 1],
      trades: [trade({ pnl: 0 }), trade({ pnl: 1, returnPct: 0.01 })],
    });
    expect(w.winRatePct).toBe(50);
    expect(w.profitFactor).toBe(Number.POSITIVE_INFINITY);
    expect(w.maxConsecutiveLosses).toBe(1);
  });
});
