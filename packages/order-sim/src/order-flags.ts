/**
 * The packed fields of a working order (side, type, time in force, stop trigger, status and flag
 * bits in one integer) and the key orders of plain requests, which an order rebuilds instead of
 * keeping a copy of its request.
 */
import type { Order, OrderRequest, OrderStatus, StopTrigger } from '@tradekit/types';

// Bits of `WorkingOrder.flags`.
export const TRIGGERED = 1;
export const OPEN_LISTED = 2;
export const FEE_CHARGED = 4;
export const WAITING = 8;
export const HAS_LIMIT = 16;
export const HAS_FIRST_FILL = 32;
/** The side (BUY 0, SELL 1) at bit 6; type, time in force, stop trigger and status as small indices above. */
export const SIDE_SHIFT = 6;
export const TYPE_SHIFT = 7;
export const TIF_SHIFT = 10;
export const TRIGGER_SHIFT = 13;
export const STATUS_SHIFT = 16;
export const SIDE_MASK = 1 << SIDE_SHIFT;
export const TYPE_MASK = 7 << TYPE_SHIFT;
export const TIF_MASK = 7 << TIF_SHIFT;
export const TRIGGER_MASK = 7 << TRIGGER_SHIFT;
export const STATUS_MASK = 15 << STATUS_SHIFT;

/** The values each packed field can take, by index; the last index of each means "other value" (kept in `Extras`). */
export const TYPE_NAMES: readonly Order['type'][] = ['market', 'limit', 'stop', 'stop_limit', 'trailing_stop'];
export const TIF_NAMES: readonly Order['timeInForce'][] = ['GTC', 'DAY', 'IOC', 'FOK', 'GTD'];
export const TRIGGER_NAMES: readonly StopTrigger[] = ['last', 'bid', 'ask', 'mid'];
/** Order statuses by index (the index is what `transition` checks moves with). */
export const STATUS_NAMES: readonly OrderStatus[] = [
  'pending_new',
  'inactive',
  'new',
  'partially_filled',
  'pending_cancel',
  'pending_replace',
  'filled',
  'canceled',
  'expired',
  'rejected',
];
export const OTHER_TYPE = 7;
export const OTHER_TIF = 7;
export const OTHER_TRIGGER = 7;
export const OTHER_STATUS = 15;

export function typeIndex(t: string): number {
  switch (t) {
    case 'market':
      return 0;
    case 'limit':
      return 1;
    case 'stop':
      return 2;
    case 'stop_limit':
      return 3;
    case 'trailing_stop':
      return 4;
    default:
      return OTHER_TYPE;
  }
}
export function tifIndex(t: string): number {
  switch (t) {
    case 'GTC':
      return 0;
    case 'DAY':
      return 1;
    case 'IOC':
      return 2;
    case 'FOK':
      return 3;
    case 'GTD':
      return 4;
    default:
      return OTHER_TIF;
  }
}
export function triggerIndex(t: string): number {
  switch (t) {
    case 'last':
      return 0;
    case 'bid':
      return 1;
    case 'ask':
      return 2;
    case 'mid':
      return 3;
    default:
      return OTHER_TRIGGER;
  }
}
/** The index of a status in `STATUS_NAMES`, 15 for any other value. */
export function statusIndex(t: string): number {
  switch (t) {
    case 'pending_new':
      return 0;
    case 'inactive':
      return 1;
    case 'new':
      return 2;
    case 'partially_filled':
      return 3;
    case 'pending_cancel':
      return 4;
    case 'pending_replace':
      return 5;
    case 'filled':
      return 6;
    case 'canceled':
      return 7;
    case 'expired':
      return 8;
    case 'rejected':
      return 9;
    default:
      return OTHER_STATUS;
  }
}

/**
 * Plain requests: an order whose request has only the keys below (with the values
 * `checkRequest` accepted) keeps no copy of it. Its values are all on the order already
 * (the symbol of its market, side, type, quantity, the limit price as ticks that give the price
 * back exactly, the account's id, time in force); what the order keeps is the order of the keys,
 * as an index into a table of the key orders seen (bits 20-27 of `flags`), so that `request`
 * rebuilds the same object (same keys, same order, same values: same JSON in snapshots).
 * Every kept order is then one object (72 bytes for a 6-key request) lighter.
 */
export const K_SYMBOL = 1;
export const K_SIDE = 2;
export const K_TYPE = 3;
export const K_QUANTITY = 4;
export const K_PRICE = 5;
export const K_ACCOUNT = 6;
export const K_TIF = 7;
export const REQ_SHIFT = 20;
export const REQ_MASK = 255 << REQ_SHIFT;
/** Key orders by index (index 0: the order keeps its request object). */
export const KEY_ORDERS: number[][] = [[]];
/** Whether each key order has a price. */
export const KEY_HAS_PRICE: boolean[] = [false];
const KEY_ORDER_INDEX = new Map<number, number>();
let lastKeyCode = -1;
let lastKeyIndex = 0;

/**
 * The key order of a plain request as digits in base 8 (one per key, `K_…`), or 0 when the
 * request keeps a copy: another key, a key holding undefined where that is not allowed, a
 * prototype other than Object's.
 */
export function plainRequestCode(r: OrderRequest): number {
  const proto = Object.getPrototypeOf(r);
  if (proto !== Object.prototype && proto !== null) return 0;
  let code = 0;
  for (const k in r) {
    let id: number;
    switch (k) {
      case 'symbol':
        id = K_SYMBOL;
        break;
      case 'side':
        id = K_SIDE;
        break;
      case 'type':
        id = K_TYPE;
        break;
      case 'quantity':
        id = K_QUANTITY;
        break;
      case 'price':
        if (r.price === undefined) return 0;
        id = K_PRICE;
        break;
      case 'accountId':
        if (r.accountId === undefined) return 0;
        id = K_ACCOUNT;
        break;
      case 'timeInForce':
        if (r.timeInForce === undefined) return 0;
        id = K_TIF;
        break;
      default:
        return 0;
    }
    code = code * 8 + id;
  }
  return code;
}

/** The table index of a key order (1-255), 0 when the table is full. */
export function keyOrderIndex(code: number): number {
  if (code === lastKeyCode) return lastKeyIndex;
  let i = KEY_ORDER_INDEX.get(code);
  if (i === undefined) {
    if (KEY_ORDERS.length > 255) return 0;
    const keys: number[] = [];
    for (let c = code; c > 0; c = Math.floor(c / 8)) keys.unshift(c % 8);
    i = KEY_ORDERS.length;
    KEY_ORDERS.push(keys);
    KEY_HAS_PRICE.push(keys.includes(K_PRICE));
    KEY_ORDER_INDEX.set(code, i);
  }
  lastKeyCode = code;
  lastKeyIndex = i;
  return i;
}

/** True when the key order `code` holds `id`. */
export function hasKey(code: number, id: number): boolean {
  for (let c = code; c > 0; c = Math.floor(c / 8)) if (c % 8 === id) return true;
  return false;
}
