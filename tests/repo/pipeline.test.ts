// The one idea, end to end, with real parts only: market-sim → (canonical file → replay) →
// order-sim ← a strategy's orders; and market-sim → ws-tester feed server → a WebSocket client.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMarket, writeJsonl } from '@tradekit/market-sim';
import { Exchange, createTradingClient } from '@tradekit/order-sim';
import { replay } from '@tradekit/replay';
import { type ExchangeEvent, type MarketEvent, type MarketEventSource, VirtualClock } from '@tradekit/types';
import { connectFeed, createFeedServer } from '@tradekit/ws-tester';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'tradekit-pipeline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const marketConfig = (seed: number) => ({ seed, symbols: ['MNQ'], book: { levels: 5 }, duration: '2h' });

/** Resolves when `work` does; fails with a message naming what it waited for after `ms`. */
async function within<T>(ms: number, what: string, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([work(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Time of a market's first event (a market iterates from its start every time). */
const firstTs = (m: ReturnType<typeof createMarket>) => m.take(1)[0]?.ts ?? 0;

/** Serialises exchange events with Decimals as text, so a log compares byte for byte. */
function logLine(e: ExchangeEvent): string {
  return JSON.stringify(e, (_k, v) =>
    v && typeof v === 'object' && v.constructor?.name === 'Decimal' ? String(v) : v,
  );
}

/**
 * A small strategy: every 400th trade, flip between a bracketed market buy and a market sell of
 * what is held. Runs the whole market through a simulated exchange in virtual time.
 */
async function runStrategy(source: MarketEventSource, start: number) {
  const clock = new VirtualClock({ start });
  const exchange = new Exchange({
    clock,
    instruments: [{ symbol: 'MNQ', tickSize: 0.25, multiplier: 2, marginPerContract: 2000 }],
    accounts: [{ id: 'bot', balance: 50_000 }],
    fees: { perContract: 0.62 },
    latency: { orderEntry: { distribution: 'exponential', mean: 300, min: 50 } },
    seed: 11,
  });
  const client = createTradingClient(exchange, { accountId: 'bot' });
  const log: string[] = [];
  let fills = 0;
  let contracts = 0;
  let signed = 0;
  exchange.on('event', (e) => log.push(logLine(e)));
  exchange.on('fill', (e) => {
    if (e.fill.accountId !== 'bot') return;
    fills++;
    contracts += e.fill.quantity;
    signed += e.fill.side === 'buy' ? e.fill.quantity : -e.fill.quantity;
  });
  let trades = 0;
  exchange.on('market', (e: MarketEvent) => {
    if (e.type !== 'trade' || ++trades % 400 !== 0) return;
    const held = client.getPosition('MNQ').quantity;
    if (held === 0)
      client.placeBracketOrder({
        symbol: 'MNQ',
        side: 'buy',
        quantity: 1,
        stopLoss: { ticks: 40 },
        takeProfit: { ticks: 80 },
      });
    else client.placeMarketOrder('MNQ', held > 0 ? 'sell' : 'buy', Math.abs(held), { reduceOnly: true });
  });
  const n = await exchange.feed(source);
  return { n, log, fills, contracts, signed, client, exchange };
}

describe('market-sim → order-sim', () => {
  it('fills a strategy deterministically: same seed → the same exchange event log, byte for byte', async () => {
    const a = createMarket(marketConfig(5));
    const b = createMarket(marketConfig(5));
    const ra = await runStrategy(a, firstTs(a));
    const rb = await runStrategy(b, firstTs(b));
    expect(ra.fills).toBeGreaterThan(10);
    const hash = (log: string[]) => createHash('sha256').update(log.join('\n')).digest('hex');
    expect(hash(ra.log)).toBe(hash(rb.log));
    const c = createMarket(marketConfig(6));
    const rc = await runStrategy(c, firstTs(c));
    expect(hash(rc.log)).not.toBe(hash(ra.log));
  });

  it('keeps the books straight: position = signed fills; equity = balance + unrealized', async () => {
    const m = createMarket(marketConfig(8));
    const r = await runStrategy(m, firstTs(m));
    const pos = r.client.getPosition('MNQ');
    expect(pos.quantity).toBe(r.signed);
    const acct = r.client.getAccount();
    expect(acct.equity.toString()).toBe(acct.balance.plus(acct.unrealizedPnl).toString());
    // $0.62 per contract, exactly (Decimal).
    expect(acct.fees.toString()).toBe(String(Math.round(62 * r.contracts) / 100));
  });

  it('gives the same fills from the canonical file replayed as from the simulator directly', async () => {
    const file = join(dir, 'mnq.jsonl');
    await writeJsonl(createMarket(marketConfig(9)), file);
    const start = firstTs(createMarket(marketConfig(9)));
    const fromSim = await runStrategy(createMarket(marketConfig(9)), start);
    const fromFile = await runStrategy(replay(file), start);
    expect(fromFile.n).toBe(fromSim.n);
    expect(fromFile.log).toEqual(fromSim.log);
  });
});

describe('market-sim sessions → order-sim', () => {
  it("expires a DAY order at the session close market-sim announces (the exchange's instrument has no sessions)", async () => {
    const sessions = [{ open: '14:30', close: '21:00' }];
    const start = Date.UTC(2024, 0, 2, 20, 0) * 1000;
    const close = Date.UTC(2024, 0, 2, 21, 0) * 1000;
    const market = createMarket({
      seed: 5,
      start,
      duration: '2h',
      symbols: [{ symbol: 'ES', instrument: { sessions } }],
    });
    const clock = new VirtualClock({ start });
    const exchange = new Exchange({ clock, instruments: [{ symbol: 'ES', tickSize: 0.25, multiplier: 50 }] });
    const order = exchange.placeOrder({
      symbol: 'ES',
      side: 'buy',
      type: 'limit',
      quantity: 1,
      price: 1000,
      timeInForce: 'DAY',
    });
    await exchange.feed(market);
    const after = exchange.getOrder(order.id);
    expect(after.status).toBe('expired');
    expect(after.updatedAt).toBe(close);
  });
});

describe('market-sim → ws-tester feed → WebSocket client', () => {
  it('delivers every simulated event, in order, with gap-free sequence numbers', async () => {
    const events = createMarket({ seed: 3, symbols: ['MNQ', 'ES'] }).take(3_000);
    const feed = await createFeedServer({ source: events, speed: Number.POSITIVE_INFINITY, autoStart: false });
    const got: MarketEvent[] = [];
    let gaps = 0;
    const sub = connectFeed({
      url: feed.url,
      symbols: ['MNQ', 'ES'],
      onEvent: (e) => got.push(e),
      onGap: () => gaps++,
    });
    // Subscribe first, then start the source, so the client sees every update rather than a snapshot:
    // wait for the server to hold both subscriptions (not for a fixed time, which a busy machine
    // can outlast), then for the client to receive the server's `end`.
    for (const deadline = Date.now() + 10_000; feed.stats().subscriptions < 2; ) {
      if (Date.now() > deadline) throw new Error('timed out after 10 s waiting for the 2 subscriptions');
      await new Promise((r) => setTimeout(r, 5));
    }
    feed.start();
    await feed.done;
    await within(
      30_000,
      `the client to receive \`end\` (got ${got.length} of ${events.length} events)`,
      () => sub.done,
    );
    await sub.close();
    await feed.close();
    expect(gaps).toBe(0);
    expect(got).toEqual(events);
  });
});
