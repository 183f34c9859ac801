import { Rng } from '@tradekit/types';
import { describe, expect, it } from 'vitest';
import { US_PER_YEAR, garch, gbm, jumpDiffusion, ornsteinUhlenbeck, regimeSwitching } from './process.js';

const DT = 1_000_000 / US_PER_YEAR; // one second

function run(process: ReturnType<typeof gbm>, steps: number, seed = 1, start = 100) {
  const stepper = process.start(new Rng(seed).fork('p'), DT, start);
  const shocks = new Rng(seed).fork('z');
  const r = new Float64Array(steps);
  let x = Math.log(start);
  for (let i = 0; i < steps; i++) {
    r[i] = stepper.step(shocks.normal(), x);
    x += r[i] as number;
  }
  return { r, x, stepper };
}

function annualVol(r: Float64Array): number {
  let s = 0;
  for (const v of r) s += v * v;
  return Math.sqrt(s / r.length / DT);
}

describe('price processes', () => {
  it('gbm turns annualised volatility into per-step volatility', () => {
    const { r } = run(gbm({ volatility: 0.3 }), 200_000);
    expect(annualVol(r)).toBeCloseTo(0.3, 1);
  });

  it('garch keeps its long-run volatility and has fat-tailed steps', () => {
    const { r, stepper } = run(garch({ volatility: 0.25 }), 400_000, 3);
    expect(annualVol(r)).toBeGreaterThan(0.17);
    expect(annualVol(r)).toBeLessThan(0.33);
    expect(stepper.baseVolatility).toBe(0.25);
    let s2 = 0;
    let s4 = 0;
    for (const v of r) {
      s2 += v * v;
      s4 += v ** 4;
    }
    const kurt = s4 / r.length / (s2 / r.length) ** 2 - 3;
    expect(kurt).toBeGreaterThan(3);
  });

  it('rejects a garch alpha above the per-step persistence', () => {
    expect(() => garch({ alpha: 0.9999, halfLife: '1s' }).start(new Rng(1), DT, 100)).toThrow(/garch\.alpha/);
  });

  it('ornsteinUhlenbeck pulls the price back to its mean', () => {
    const { x } = run(ornsteinUhlenbeck({ mean: 100, halfLife: '1m', volatility: 0.1 }), 20_000, 1, 150);
    expect(Math.exp(x)).toBeGreaterThan(95);
    expect(Math.exp(x)).toBeLessThan(105);
  });

  it('jumpDiffusion produces jumps far beyond the diffusion', () => {
    const { r } = run(jumpDiffusion({ volatility: 0.1, jumpsPerYear: 1e5, jumpVolatility: 0.01 }), 100_000);
    const sd = 0.1 * Math.sqrt(DT);
    const big = Array.from(r).filter((v) => Math.abs(v) > 8 * sd).length;
    expect(big).toBeGreaterThan(50);
  });

  it('regimeSwitching moves between calm and stressed regimes', () => {
    const p = regimeSwitching({
      regimes: [
        { process: gbm({ volatility: 0.05 }), meanDuration: '10m' },
        { process: gbm({ volatility: 0.8 }), meanDuration: '10m' },
      ],
    });
    const stepper = p.start(new Rng(1), DT, 100);
    const z = new Rng(2);
    const seen = new Set<number>();
    for (let i = 0; i < 20_000; i++) {
      stepper.step(z.normal(), 0);
      seen.add(stepper.volatility());
    }
    expect([...seen].sort()).toEqual([0.05, 0.8]);
  });

  it('names the field and value of a bad parameter', () => {
    expect(() => gbm({ volatility: -0.2 })).toThrow(
      expect.objectContaining({ code: 'SIM_INVALID_PARAMETER', details: { field: 'gbm.volatility', value: -0.2 } }),
    );
    expect(() => garch({ df: 2 })).toThrow(/garch\.df/);
    expect(() => regimeSwitching({ regimes: [] })).toThrow(/regimes/);
  });
});
