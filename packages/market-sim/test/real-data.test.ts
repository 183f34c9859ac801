import { describe, expect, it } from 'vitest';
import { createMarket } from '../src/market.js';
import { type RealismReport, realism } from '../src/realism.js';
import { loadBtcUsd1m, loadSp500Daily } from './real-data.js';

function share(report: RealismReport): number {
  const base = report.scales[0]!;
  const inside = base.acfReturns.slice(1, 20).filter((a) => Math.abs(a) < base.acfBound).length;
  return inside / 19;
}

describe('the realism report on real data shows the same facts as the default preset', () => {
  const sp = realism(loadSp500Daily(), { multiples: [1, 5, 20] });
  const btc = realism(loadBtcUsd1m(), { multiples: [1, 5, 60] });
  const market = createMarket({ seed: 1, duration: '5d' });
  const sim = realism(market, { multiples: [1, 5, 60] });

  it('S&P 500 daily 2000–2020: fat tails, clustering, aggregational Gaussianity, volume–volatility', () => {
    const d = sp.scales[0]!;
    expect(d.n).toBeGreaterThan(5000);
    expect(sp.checks.heavyTails).toBe(true);
    expect(sp.checks.tailIndexInRange).toBe(true);
    expect(sp.checks.volatilityClustering).toBe(true);
    expect(d.acfAbsReturns.slice(0, 50).every((a) => a > 0)).toBe(true);
    expect(sp.checks.aggregationalGaussianity).toBe(true);
    expect(sp.checks.volumeVolatilityCorrelation).toBe(true);
    // Real returns are only approximately uncorrelated: most lags sit in the 3/√N band, none is large.
    expect(share(sp)).toBeGreaterThan(0.7);
    expect(Math.max(...d.acfReturns.slice(1, 20).map(Math.abs))).toBeLessThan(0.1);
  });

  it('BTC-USD 1-minute (Jan 2016): the same facts', () => {
    const m = btc.scales[0]!;
    expect(m.n).toBeGreaterThan(4000);
    expect(btc.checks.heavyTails).toBe(true);
    expect(btc.checks.tailIndexInRange).toBe(true);
    expect(btc.checks.volatilityClustering).toBe(true);
    expect(btc.checks.aggregationalGaussianity).toBe(true);
    expect(btc.checks.volumeVolatilityCorrelation).toBe(true);
    expect(share(btc)).toBeGreaterThan(0.85);
  });

  it('the default preset agrees with both on every fact', () => {
    for (const real of [sp, btc]) {
      for (const fact of [
        'heavyTails',
        'tailIndexInRange',
        'volatilityClustering',
        'aggregationalGaussianity',
        'volumeVolatilityCorrelation',
      ] as const) {
        expect(sim.checks[fact], fact).toBe(real.checks[fact]);
      }
    }
    expect(share(sim)).toBe(1);
    const simHill = sim.scales[0]!.hillTailIndex;
    expect(Math.abs(simHill - sp.scales[0]!.hillTailIndex)).toBeLessThan(1.5);
  });
});
