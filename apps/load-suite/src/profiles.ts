/** A load profile: how many clients of each kind, how fast they trade, how long, and what must hold. */
export interface LoadProfile {
  name: string;
  /** Feed subscribers driven by ws-tester's load driver (all shards together). */
  clients: number;
  /** ProjectX market-hub clients (`@microsoft/signalr`) subscribed to MNQ quotes (all shards together). */
  hubClients: number;
  /** Traders: each logs in over REST, listens on the user hub and places market orders (all shards together). */
  traders: number;
  /** Market orders per second per trader during the hold. */
  orderRate: number;
  /** Ramp from 0 to every client, seconds. */
  rampUp: number;
  /** Hold at full load (trading happens here), seconds. */
  hold: number;
  /** The venue quotes MNQ every this many ms (a trade print every fourth quote). */
  quoteMs: number;
  /** Market seed. */
  seed: number;
  /** ws-tester load-driver threads (0 = in the suite's own thread). */
  workers: number;
  /** Rules that fail the suite, `<feed|orders|hub>.<metric><op><value>` (see the README). */
  thresholds: string[];
}

/**
 * CI: small enough for a shared, busy 2-core runner (about 10 s), with limits loose enough for a busy
 * machine and strict on what must never happen (errors, gaps, nothing measured).
 */
export const CI_PROFILE: LoadProfile = {
  name: 'ci',
  clients: 20,
  hubClients: 2,
  traders: 2,
  orderRate: 3,
  rampUp: 2,
  hold: 4,
  quoteMs: 100,
  seed: 1,
  workers: 0,
  thresholds: [
    'feed.errors<=0',
    'feed.messages>=100',
    'feed.p99<3s',
    'feed.connect_p99<5s',
    'hub.errors<=0',
    'hub.quotes>=10',
    'orders.errors<=0',
    'orders.fills>=8',
    'orders.p99<3s',
  ],
};

/**
 * A workstation (8+ cores, nothing else running): 2,000 feed subscribers, 200 hub clients and 50
 * traders at 2 orders/s each (100 orders/s), 20 s ramp, 60 s hold.
 */
export const WORKSTATION_PROFILE: LoadProfile = {
  name: 'workstation',
  clients: 2000,
  hubClients: 200,
  traders: 50,
  orderRate: 2,
  rampUp: 20,
  hold: 60,
  quoteMs: 20,
  seed: 1,
  workers: 2,
  thresholds: [
    'feed.errors%<0.1%',
    'feed.p99<100ms',
    'feed.connect_p99<500ms',
    'hub.errors<=0',
    'hub.quotes>=100000',
    'orders.errors%<0.1%',
    'orders.fills>=5000',
    'orders.p99<250ms',
  ],
};

/** Profiles by name. */
export const PROFILES: Record<string, LoadProfile> = { ci: CI_PROFILE, workstation: WORKSTATION_PROFILE };
