/**
 * Which exchange an `Order` snapshot came from, so matchers can read the order's latest state.
 * Kept on `globalThis` under a `Symbol.for` key: the package's entries (`.` and `./matchers`) are
 * bundled separately, and duplicate installed copies must still see one registry.
 */
import type { Order } from '@tradekit/types';

/** The one method the matchers need from an exchange. */
export interface OrderLookup {
  getOrder(orderId: string): Order;
}

const KEY = Symbol.for('@tradekit/test-fixtures/order-origins');

function origins(): WeakMap<object, OrderLookup> {
  const g = globalThis as unknown as Record<symbol, WeakMap<object, OrderLookup> | undefined>;
  let map = g[KEY];
  if (map === undefined) {
    map = new WeakMap();
    g[KEY] = map;
  }
  return map;
}

/** Remembers that `order` was returned by `exchange`; returns the order. */
export function trackOrder<T extends Order>(order: T, exchange: OrderLookup): T {
  if (typeof order === 'object' && order !== null) origins().set(order, exchange);
  return order;
}

/**
 * The latest view of an order snapshot: re-read from the exchange that returned it when known
 * (and still remembered by it), else the snapshot itself.
 */
export function latestOrder(order: Order): Order {
  const exchange = origins().get(order);
  if (exchange === undefined) return order;
  try {
    return exchange.getOrder(order.id);
  } catch {
    return order;
  }
}
