import { createProxy } from '@tradekit/ws-tester';
import type { TradekitCommand } from '../registry.js';
import {
  type FaultFlags,
  addFaultOptions,
  duration,
  faultScriptFromFlags,
  untilStopped,
  wholeNumber,
} from './ws-serve.js';

interface ProxyFlags extends FaultFlags {
  target: string;
  port: number;
  host: string;
  duration?: number;
  quiet?: boolean;
}

/** `tradekit ws-proxy`: a transparent WebSocket proxy that injects faults into what the server sends. */
export const wsProxyCommand: TradekitCommand = {
  name: 'ws-proxy',
  summary: 'proxy a WebSocket server and inject faults (drops, delays, corrupt frames, 401s…) into its traffic',
  configure(command, io) {
    command
      .requiredOption('--target <url>', 'server to proxy, e.g. ws://127.0.0.1:9001')
      .option('-p, --port <port>', 'port to listen on (0 = any free port)', wholeNumber('--port'), 8081)
      .option('--host <host>', 'interface to bind', '127.0.0.1')
      .option('--duration <duration>', 'stop after this long (default: until Ctrl-C)', duration('--duration'))
      .option('-q, --quiet', 'no summary line on stop');
    addFaultOptions(command);
    command.action(async (flags: ProxyFlags) => {
      const proxy = await createProxy({
        target: flags.target,
        port: flags.port,
        host: flags.host,
        faults: faultScriptFromFlags(flags),
      });
      io.stdout.write(`listening on ${proxy.url} → ${proxy.target.href}\n`);
      const why = await untilStopped(flags.duration);
      await proxy.stop();
      const s = proxy.stats;
      if (!flags.quiet)
        io.stdout.write(
          `stopped (${why}): ${s.connections} connections, ${s.downstreamFrames} frames down, ${s.upstreamFrames} up, ${s.upstreamFailures} upstream failures\n`,
        );
    });
  },
};
