// The steps of `npm run demo` after install and build: a venue on loopback, the trading cycle
// through the sample client (apps/sample-client, the SDK under test), a short backtest with its
// HTML report, and a readable summary. It uses the BUILT packages (packages/*/dist), as a user
// of the published packages would. Run by scripts/demo.mjs (`node --import tsx scripts/demo-run.ts`);
// tests/repo/demo.test.ts runs it in-process.
import { writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TradingSuite } from '../apps/sample-client/src/index.ts';
import { openData, runBacktest, smaCrossStrategy, writeReport } from '../packages/backtest/dist/index.js';
import { createVenue } from '../packages/venue/dist/index.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const MNQ = { symbol: 'MNQ', tickSize: 0.25, multiplier: 2, contractId: 'CON.F.US.MNQ.U25' };

/** What the demo did, for the summary (and for its test). */
export interface DemoSummary {
  venue: { url: string; contract: string; marketSeconds: number };
  trading: {
    steps: string[];
    fills: { side: string; size: number; price: number; pnl: number | null }[];
    finalPosition: number;
    /** Realized PnL in USD, before fees, from the client's own fills. */
    realizedPnl: number;
    /** The venue's own figure for the same account (Trade/search), to show they agree. */
    venueRealizedPnl: number;
  };
  backtest: {
    strategy: string;
    data: string;
    bars: number;
    trades: number;
    netPnl: number;
    returnPct: number;
    html: string;
    json: string;
  };
  elapsedMs: number;
}

/**
 * Two minutes of MNQ, one quote and one print a second: flat at 20,000 for 30 s, up 25 points by
 * 0:60 (the first bracket's target fills), flat, then down 60 points from 1:30 (the second
 * bracket's stop fills).
 */
function market(t0: number) {
  const out = [];
  for (let i = 0; i < 120; i++) {
    let bid = 20000;
    if (i >= 30 && i < 60) bid = 20000 + Math.round(((i - 29) * 25) / 30 / 0.25) * 0.25;
    else if (i >= 60 && i < 90) bid = 20025;
    else if (i >= 90) bid = 20025 - Math.round(((i - 89) * 60) / 30 / 0.25) * 0.25;
    out.push({
      type: 'quote' as const,
      symbol: 'MNQ',
      ts: t0 + i * 1e6,
      bid,
      bidSize: 20,
      ask: bid + 0.25,
      askSize: 20,
    });
    out.push({
      type: 'trade' as const,
      symbol: 'MNQ',
      ts: t0 + i * 1e6 + 1,
      price: bid,
      size: 1,
      side: 'sell' as const,
    });
  }
  return out;
}

/** Runs the demo's steps; everything it opens is closed before it returns. */
export async function runDemo(options: { outDir: string; log?: (line: string) => void }): Promise<DemoSummary> {
  const log = options.log ?? (() => {});
  const started = performance.now();
  const T0 = Date.UTC(2025, 0, 2, 14, 30) * 1000;
  log('starting a venue (ProjectX REST + SignalR hubs) on 127.0.0.1, virtual clock, 2 minutes of MNQ');
  const venue = await createVenue({
    instruments: [MNQ],
    source: market(T0),
    accounts: [{ id: 1, name: 'DEMO-1', userName: 'demo', apiKey: 'demo-key', balance: 50000 }],
  });
  const steps: string[] = [];
  let trading: DemoSummary['trading'];
  try {
    log(`venue at ${venue.url}; connecting the sample client (apps/sample-client)`);
    const suite = await TradingSuite.create('MNQ', {
      baseUrl: venue.url,
      userHubUrl: venue.userHubUrl,
      marketHubUrl: venue.marketHubUrl,
      credentials: { userName: 'demo', apiKey: 'demo-key' },
    });
    try {
      await venue.advance('10s');
      const first = await suite.orders.bracket({ side: 'buy', size: 1, stopLossTicks: 40, takeProfitTicks: 80 });
      await suite.orders.waitFor(first.orderId, 'filled');
      await suite.positions.waitForSize(1);
      steps.push(`bought 1 MNQ at market with a bracket (stop 10 points below, target 20 above): long 1`);
      log(steps.at(-1) as string);
      await venue.advance('50s'); // the price rises 25 points: the target fills
      await suite.positions.waitForSize(0);
      steps.push('the price rose 25 points: the target filled, flat');
      log(steps.at(-1) as string);
      const second = await suite.orders.bracket({ side: 'buy', size: 1, stopLossTicks: 40, takeProfitTicks: 80 });
      await suite.orders.waitFor(second.orderId, 'filled');
      await suite.positions.waitForSize(1);
      steps.push('bought 1 MNQ again with the same bracket: long 1');
      log(steps.at(-1) as string);
      await venue.advance('60s'); // the price falls 60 points: the stop fills
      await suite.positions.waitForSize(0);
      await suite.until(() => suite.positions.fills().length === 4, 'two entries and two exits filled');
      steps.push('the price fell 60 points: the stop filled, flat');
      log(steps.at(-1) as string);
      const fills = suite.positions.fills().map((f) => ({ side: f.side, size: f.size, price: f.price, pnl: f.pnl }));
      trading = {
        steps,
        fills,
        finalPosition: suite.positions.size(),
        realizedPnl: suite.positions.realizedPnl(),
        venueRealizedPnl: await venueRealized(venue.url),
      };
    } finally {
      await suite.disconnect();
    }
  } finally {
    await venue.close();
  }

  const csv = resolve(ROOT, 'packages/test-fixtures/data/mnq-1m-bars.csv');
  log(`backtest: SMA cross (10/30) on ${relative(ROOT, csv)} with @tradekit/backtest`);
  const { data } = openData({ files: [csv] });
  const result = await runBacktest({
    strategy: smaCrossStrategy,
    data,
    params: { fast: 10, slow: 30, size: 1 },
    instruments: [{ symbol: 'MNQ', tickSize: 0.25, multiplier: 2 }],
    exchange: { fees: { perContract: 0.62 } },
  });
  const paths = await writeReport(result, resolve(options.outDir, 'backtest'));
  const m = result.metrics as unknown as Record<string, number>;
  const equity = result.equity.equity;
  return {
    venue: { url: venue.url, contract: MNQ.contractId, marketSeconds: 120 },
    trading,
    backtest: {
      strategy: 'sma-cross (fast 10, slow 30)',
      data: relative(ROOT, csv),
      bars: equity.length,
      trades: result.trades.length,
      netPnl: Math.round(((equity.at(-1) ?? 0) - (equity[0] ?? 0)) * 100) / 100,
      returnPct: Math.round((m.returnPct ?? 0) * 100) / 100,
      html: paths.html,
      json: paths.json,
    },
    elapsedMs: Math.round(performance.now() - started),
  };
}

/** Realized PnL of account 1 as the venue reports it (`Trade/search`, ProjectX), in USD. */
async function venueRealized(url: string): Promise<number> {
  const post = async (route: string, body: unknown, token?: string) => {
    const res = await fetch(`${url}/api/${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return (await res.json()) as Record<string, unknown>;
  };
  const { token } = (await post('Auth/loginKey', { userName: 'demo', apiKey: 'demo-key' })) as { token: string };
  const { trades } = (await post('Trade/search', { accountId: 1, startTimestamp: '2000-01-01T00:00:00Z' }, token)) as {
    trades: { profitAndLoss: number | null }[];
  };
  return trades.reduce((a, t) => a + (t.profitAndLoss ?? 0), 0);
}

const usd = (x: number) => `${x < 0 ? '-' : ''}$${Math.abs(x).toFixed(2)}`;

/** The summary the demo prints. */
export function formatSummary(s: DemoSummary, cwd = process.cwd()): string {
  const L: string[] = [];
  L.push('');
  L.push('TradeKit demo: what ran');
  L.push('');
  L.push(`1. A simulated exchange (@tradekit/venue) served the ProjectX Gateway API on ${s.venue.url}`);
  L.push(`   (REST + SignalR hubs), playing ${s.venue.marketSeconds} s of MNQ on a virtual clock.`);
  L.push('2. The sample trading SDK (apps/sample-client) traded on it over real sockets:');
  for (const step of s.trading.steps) L.push(`   - ${step}`);
  L.push(`   Fills (${s.trading.fills.length}):`);
  for (const f of s.trading.fills) {
    L.push(
      `     ${f.side.padEnd(4)} ${f.size} MNQ @ ${f.price.toFixed(2)}${f.pnl === null ? '' : `   realized ${usd(f.pnl)}`}`,
    );
  }
  L.push(
    `   Position at the end: ${s.trading.finalPosition}. Realized PnL: ${usd(s.trading.realizedPnl)} (the venue agrees: ${usd(s.trading.venueRealizedPnl)}).`,
  );
  L.push(`3. A backtest (@tradekit/backtest): ${s.backtest.strategy} on ${s.backtest.data}`);
  L.push(
    `   ${s.backtest.trades} trades, net PnL ${usd(s.backtest.netPnl)} (${s.backtest.returnPct}%), after $0.62 per contract in fees.`,
  );
  L.push(`   HTML report: ${relative(cwd, s.backtest.html) || s.backtest.html}`);
  L.push(`   JSON report: ${relative(cwd, s.backtest.json) || s.backtest.json}`);
  L.push('');
  L.push(
    `Done in ${(s.elapsedMs / 1000).toFixed(1)} s. Next: npm run test:all runs every test; apps/ holds the sample client,`,
  );
  L.push('the integration and load suites; `npm create tradekit@latest` starts a project of your own.');
  return `${L.join('\n')}\n`;
}

// As a script: `node --import tsx scripts/demo-run.ts [outDir]`.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = resolve(process.argv[2] ?? resolve(ROOT, '.tmp', 'demo'));
  const summary = await runDemo({ outDir, log: (l) => console.log(`[demo] ${l}`) });
  writeFileSync(resolve(outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(formatSummary(summary));
}
