import { RealClock, Rng, microsToIso } from '@tradekit/types';
import type { TradekitCommand } from '../registry.js';
import { VERSION } from '../version.js';

/** `tradekit info`: versions and environment, for bug reports. */
export const infoCommand: TradekitCommand = {
  name: 'info',
  summary: 'print versions and environment (for bug reports)',
  configure(command, io) {
    command.option('--json', 'print as JSON').action((opts: { json?: boolean }) => {
      const info = {
        tradekit: VERSION,
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        time: microsToIso(new RealClock().now()),
        rngCheck: new Rng(42).uuid(),
      };
      io.stdout.write(
        opts.json
          ? `${JSON.stringify(info)}\n`
          : `${Object.entries(info)
              .map(([k, v]) => `${k}: ${v}`)
              .join('\n')}\n`,
      );
    });
  },
};
