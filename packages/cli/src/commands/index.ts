/** Every built-in `tradekit` subcommand. Packages add theirs here (one import, one entry). */
import type { TradekitCommand } from '../registry.js';
import { calibrateCommand } from './calibrate.js';
import { backtestCommand } from './backtest.js';
import { infoCommand } from './info.js';
import { parityCommand } from './parity.js';
import { replayCommand } from './replay.js';
import { simCommand } from './sim.js';
import { sweepCommand } from './sweep.js';
import { venueCommand } from './venue.js';
import { wsLoadCommand } from './ws-load.js';
import { wsProxyCommand } from './ws-proxy.js';
import { wsServeCommand } from './ws-serve.js';

/** The commands `tradekit` starts with, in `--help` order. */
export const builtinCommands: TradekitCommand[] = [
  infoCommand,
  wsLoadCommand,
  wsServeCommand,
  wsProxyCommand,
  replayCommand,
  simCommand,
  calibrateCommand,
  backtestCommand,
  sweepCommand,
  venueCommand,
  parityCommand,
];
