import { describe, expect, it } from 'vitest';
import { isTradeKitError } from './errors.js';
import {
  ORDER_TRANSITIONS,
  TERMINAL_ORDER_STATUSES,
  assertTransition,
  canTransition,
  isTerminalStatus,
  type OrderStatus,
} from './orders.js';

const ALL = Object.keys(ORDER_TRANSITIONS) as OrderStatus[];

describe('order status transitions', () => {
  it('allows the normal lifecycle', () => {
    const path: OrderStatus[] = ['pending_new', 'new', 'partially_filled', 'partially_filled', 'filled'];
    for (let i = 1; i < path.length; i++) expect(assertTransition(path[i - 1]!, path[i]!)).toBe(path[i]);
    expect(canTransition('pending_new', 'inactive')).toBe(true);
    expect(canTransition('inactive', 'new')).toBe(true);
    expect(canTransition('new', 'pending_cancel')).toBe(true);
    expect(canTransition('pending_cancel', 'canceled')).toBe(true);
  });

  it('treats filled, canceled, expired and rejected as terminal: nothing leaves them', () => {
    for (const t of TERMINAL_ORDER_STATUSES) {
      expect(isTerminalStatus(t)).toBe(true);
      for (const to of ALL) expect(canTransition(t, to)).toBe(false);
    }
    expect(ALL.filter(isTerminalStatus).sort()).toEqual([...TERMINAL_ORDER_STATUSES].sort());
  });

  it('rejects an illegal transition with ORDER_ILLEGAL_TRANSITION listing the legal ones', () => {
    try {
      assertTransition('filled', 'canceled', 'o-1');
      expect.unreachable();
    } catch (err) {
      expect(isTradeKitError(err) && err.code).toBe('ORDER_ILLEGAL_TRANSITION');
      expect((err as Error).message).toBe(
        'Order o-1 cannot move from `filled` to `canceled`. Legal next statuses: none (terminal).',
      );
    }
    expect(() => assertTransition('pending_new', 'filled')).toThrow(
      /Legal next statuses: new, inactive, rejected, canceled/,
    );
  });

  it('every status is reachable from pending_new', () => {
    const seen = new Set<OrderStatus>(['pending_new']);
    const queue: OrderStatus[] = ['pending_new'];
    while (queue.length)
      for (const n of ORDER_TRANSITIONS[queue.shift()!]) {
        if (seen.has(n)) continue;
        seen.add(n);
        queue.push(n);
      }
    expect([...seen].sort()).toEqual([...ALL].sort());
  });
});
