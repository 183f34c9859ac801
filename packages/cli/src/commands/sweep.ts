import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import {
  type SweepReport,
  type SweepSpec,
  mergeSweepReports,
  resolveShard,
  runSweep,
  sweepJson,
} from '@tradekit/backtest';
import { TradeKitError, isTradeKitError } from '@tradekit/types';
import cliProgress from 'cli-progress';
import { InvalidArgumentError } from 'commander';
import { EXIT_USAGE } from '../program.js';
import type { CommandIO, TradekitCommand } from '../registry.js';
import { BACKTEST_INPUT_CODES } from './backtest.js';

interface RunFlags {
  spec: string;
  workers?: number;
  shard?: string;
  shards?: number;
  out?: string;
  progress?: boolean;
}

const intArg =
  (name: string, min: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`Expected ${name} to be an integer ≥ ${min}, got "${value}".`);
    return n;
  };

function readJson<T>(path: string, what: string, code: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (cause) {
    throw new TradeKitError(
      code,
      `Expected ${what} to be a readable JSON file, got "${path}" (${(cause as Error).message}).`,
      {
        cause,
        details: { file: path },
      },
    );
  }
}

async function output(io: CommandIO, out: string | undefined, text: string): Promise<void> {
  if (out) await writeFile(out, text);
  else io.stdout.write(text);
}

function top(report: SweepReport, n = 5): string {
  return `${report.rows
    .slice(0, n)
    .map((r, i) => `  ${i + 1}. ${JSON.stringify(r.params)}  ${report.rankBy} = ${r.score}`)
    .join('\n')}\n`;
}

async function runSweepCommand(flags: RunFlags, io: CommandIO): Promise<void> {
  const spec = readJson<SweepSpec>(flags.spec, '--spec', 'SWEEP_CONFIG_INVALID');
  const shard = resolveShard(flags.shard, flags.shards);
  let bar: cliProgress.SingleBar | undefined;
  if (flags.progress !== false && io.stderr.isTTY) {
    bar = new cliProgress.SingleBar(
      { stream: io.stderr as NodeJS.WriteStream, format: 'sweep [{bar}] {value}/{total} runs', clearOnComplete: true },
      cliProgress.Presets.shades_classic,
    );
  }
  try {
    const report = await runSweep(spec, {
      workers: flags.workers ?? 0,
      shard,
      onProgress: (done, total) => {
        if (!bar) return;
        if (done === 1) bar.start(total, 0);
        bar.update(done);
      },
    });
    bar?.stop();
    await output(io, flags.out, sweepJson(report));
    if (flags.out) {
      const label = report.shard ? ` (shard ${report.shard.index}/${report.shard.count} from ${shard.source})` : '';
      io.stderr.write(`${report.rows.length} of ${report.total} runs${label} → ${flags.out}\n${top(report)}`);
    }
  } finally {
    bar?.stop();
  }
}

/** `tradekit sweep run|merge`: parameter sweeps, shards for array jobs, exact merge. */
export const sweepCommand: TradekitCommand = {
  name: 'sweep',
  summary: 'parameter sweeps over worker threads; --shard i/n for array jobs; merge shard results',
  configure(command, io) {
    const guard = (fn: () => Promise<void>) => async () => {
      try {
        await fn();
      } catch (err) {
        if (isTradeKitError(err) && BACKTEST_INPUT_CODES.has(err.code)) io.setExitCode(EXIT_USAGE);
        throw err;
      }
    };
    command
      .command('run')
      .description('run a sweep spec (JSON) or one shard of it; prints the ranked report (JSON)')
      .requiredOption('--spec <file>', 'sweep spec (JSON): strategy, data, grid / random, rankBy')
      .option('--workers <n>', 'worker threads (0 = this thread)', intArg('--workers', 0))
      .option(
        '--shard <i/n>',
        'run shard i of n (default: JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID, AWS_BATCH_JOB_ARRAY_INDEX or TRADEKIT_SHARD_INDEX)',
      )
      .option('--shards <n>', 'shard count when the index comes from the environment', intArg('--shards', 1))
      .option('--out <file>', 'write the report there instead of stdout')
      .option('--no-progress', 'never show the progress bar')
      .action((flags: RunFlags) => guard(() => runSweepCommand(flags, io))());
    command
      .command('merge')
      .description('merge shard reports into the report one run gives (byte for byte)')
      .argument('<files...>', 'shard reports (JSON)')
      .option('--out <file>', 'write the merged report there instead of stdout')
      .action((files: string[], flags: { out?: string }) =>
        guard(async () => {
          const parts = files.map((f) => readJson<SweepReport>(f, 'each shard report', 'SWEEP_MERGE_INVALID'));
          await output(io, flags.out, sweepJson(mergeSweepReports(parts)));
        })(),
      );
  },
};
