/** Tinypool worker of sweeps: runs one parameter set and returns its metrics. */
import type { Metrics } from './metrics.js';
import type { Params } from './strategy.js';
import { type SweepSpec, evaluate } from './sweep.js';

/** Runs one backtest of a sweep. */
export default function run(task: { spec: SweepSpec; params: Params }): Promise<Metrics> {
  return evaluate(task.spec, task.params);
}
