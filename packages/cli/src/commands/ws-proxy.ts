import { createProxy } from '@tradekit/ws-tester';
import type { TradekitCommand } from '../registry.js';
import {
  type FaultFlags,
  addFaultOptions,
  duration,
  faultScriptFromFlags,
  portNumber,
  untilStopped,
  wholeNumber,
} from './ws-serve.js';

interface ProxyFlags extends FaultFlags {
  target: string;
  port: number;
  host: string;
  duration?: number;
  quiet?: boolean;
  maxPayload?: number;
}

/** `tradekit ws-proxy`: a transparent WebSocket proxy that injects faults into what the server sends. */
export const wsProxyCommand: TradekitCommand = {
  name: 'ws-proxy',
  summary: 'proxy a WebSocket server and inject faults (drops, delays, corrupt frames, 401s…) into its traffic',
  configure(command, io) {
    command
      .requiredOption(
        '--target <url>',
        'server to proxy, e.g. ws://127.0.0.1:9001 (http:// and https:// mean ws:// and wss://: the proxy relays HTTP too, e.g. SignalR negotiate)',
      )
      .option('-p, --port <port>', 'port to listen on (0 = any free port)', portNumber('--port'), 8081)
      .option(
        '--max-payload <bytes>',
        "largest frame relayed either way (0 = no limit of the proxy's own, the default: the target's limit applies)",
        wholeNumber('--max-payload'),
      )
      .option('--host <host>', 'interface to bind', '127.0.0.1')
      .option('--duration <duration>', 'stop after this long (default: until Ctrl-C)', duration('--duration'))
      .option('-q, --quiet', 'no summary line on stop');
    addFaultOptions(command);
    command.addHelpText(
      'after',
      '\nFaults apply to what the target sends, counted per connection from the first frame the target sends\nafter the upgrade (message 0; a SignalR handshake answer counts, as it is a frame like any other).\nExit codes: 0 stopped normally, 2 bad option or fault script (checked before the port opens), 3 internal error.',
    );
    command.action(async (flags: ProxyFlags) => {
      const proxy = await createProxy({
        target: flags.target,
        port: flags.port,
        host: flags.host,
        faults: faultScriptFromFlags(flags),
        ...(flags.maxPayload !== undefined ? { maxPayload: flags.maxPayload } : {}),
      });
      io.stdout.write(`listening on ${proxy.url} → ${proxy.target.href}\n`);
      const why = await untilStopped(flags.duration, io.signal);
      await proxy.stop();
      const s = proxy.stats;
      if (!flags.quiet)
        io.stdout.write(
          `stopped (${why}): ${s.connections} connections, ${s.downstreamFrames} frames down, ${s.upstreamFrames} up, ${s.upstreamFailures} upstream failures\n`,
        );
    });
  },
};
