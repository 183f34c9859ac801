/**
 * Order state and transitions: every order by id, the working set, the retention of closed
 * orders, and the one place where an order's status changes (checked against
 * `ORDER_TRANSITIONS`) and reported.
 */
import {
  type Clock,
  type Order,
  type OrderStatus,
  TradeKitError,
  assertTransition,
  describeValue,
  ORDER_TRANSITIONS,
} from '@tradekit/types';
import type { EventBus } from './event-stream.js';
import type { OrderFilter } from './options.js';
import { STATUS_NAMES, statusIndex } from './order-flags.js';
import { type WorkingOrder, isTerminal } from './working-order.js';

/**
 * Legal status moves as bit masks by status index (`STATUS_NAMES` in working-order.ts): bit `to`
 * of `LEGAL[from]` is set when `from → to` is legal. Built once from `ORDER_TRANSITIONS`.
 */
const LEGAL: number[] = STATUS_NAMES.map((from) => {
  let mask = 0;
  for (const to of (ORDER_TRANSITIONS as Record<string, readonly string[] | undefined>)[from] ?? []) {
    const i = statusIndex(to);
    if (i < STATUS_NAMES.length) mask |= 1 << i;
  }
  return mask;
});

export { isTerminal };

/**
 * Moves `w` to `to` after checking the move against `ORDER_TRANSITIONS` (`assertTransition`'s
 * error, built only when the move is illegal, so no id string per status change).
 */
export function transition(w: WorkingOrder, to: OrderStatus): OrderStatus {
  const from = w.status;
  const f = w.statusIndex;
  const t = statusIndex(to);
  if (f >= LEGAL.length || t >= LEGAL.length || (((LEGAL[f] as number) >> t) & 1) === 0)
    assertTransition(from, to, w.id);
  w.status = to;
  return from;
}

/**
 * Orders by id. The exchange's ids are `o<seq>`, so they live in an array indexed by number
 * (a Map of strings cost more than the rest of `placeOrder` together); any other id (none today)
 * goes to a Map. Iteration is in creation order, as a Map's insertion order was. Leading holes
 * left by forgotten orders (`retainClosedOrders`) are trimmed, so memory stays bounded.
 */
export class OrderIndex {
  private slots: (WorkingOrder | undefined)[] = [];
  /** Order number of `slots[0]`. */
  private base = 0;
  private holes = 0;
  private readonly other = new Map<string, WorkingOrder>();

  /** The number of an id `o<n>` (n > 0, no leading zero, a safe integer), else -1; allocates nothing. */
  private static seqOf(id: string): number {
    const len = id.length;
    if (len < 2 || len > 16 || id.charCodeAt(0) !== 111 /* o */ || id.charCodeAt(1) === 48 /* 0 */) return -1;
    let n = 0;
    for (let i = 1; i < len; i++) {
      const d = id.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return -1;
      n = n * 10 + d;
    }
    return Number.isSafeInteger(n) ? n : -1;
  }

  set(w: WorkingOrder): void {
    const n = OrderIndex.seqOf(w.id);
    if (n < 0 || n !== w.seq || n < this.base) {
      this.other.set(w.id, w);
      return;
    }
    if (this.slots.length === 0 && this.base === 0) this.base = n;
    this.slots[n - this.base] = w;
  }

  /** {@link set} for an order whose id the exchange made from its number (`o<seq>`): no parse of the id. */
  setNumbered(w: WorkingOrder): void {
    const n = w.seq;
    if (n < this.base) {
      this.other.set(w.id, w);
      return;
    }
    if (this.slots.length === 0 && this.base === 0) this.base = n;
    this.slots[n - this.base] = w;
  }

  get(id: string): WorkingOrder | undefined {
    const n = OrderIndex.seqOf(id);
    if (n >= this.base) {
      const w = this.slots[n - this.base];
      // Slots hold only orders whose id is `o<seq>`, and seqOf() reads canonical numbers only.
      if (w !== undefined) return w;
    }
    return this.other.size > 0 ? this.other.get(id) : undefined;
  }

  delete(id: string): void {
    const n = OrderIndex.seqOf(id);
    const i = n - this.base;
    if (n >= this.base && this.slots[i] !== undefined) {
      this.slots[i] = undefined;
      this.holes++;
      this.trim();
    } else this.other.delete(id);
  }

  private trim(): void {
    if (this.holes < 4096 || this.holes * 2 < this.slots.length) return;
    let k = 0;
    while (k < this.slots.length && this.slots[k] === undefined) k++;
    if (k < 1024) return;
    this.slots = this.slots.slice(k);
    this.base += k;
    this.holes -= k;
  }

  *values(): IterableIterator<WorkingOrder> {
    for (const w of this.slots) if (w !== undefined) yield w;
    yield* this.other.values();
  }
}

/**
 * The working set: orders not yet terminal, iterated in the order they were added (as a Set
 * would be), kept as a doubly-linked list through the orders themselves, so adding and removing
 * allocate nothing and hash nothing.
 */
export class OpenOrders implements Iterable<WorkingOrder> {
  private head: WorkingOrder | null = null;
  private tail: WorkingOrder | null = null;
  size = 0;

  /** Adds `w` at the end (no-op when it is already in). */
  add(w: WorkingOrder): void {
    if (w.openListed) return;
    w.openListed = true;
    w.openPrev = this.tail;
    w.openNext = null;
    if (this.tail === null) this.head = w;
    else this.tail.openNext = w;
    this.tail = w;
    this.size++;
  }

  /** Removes `w` (no-op when it is not in). */
  delete(w: WorkingOrder): boolean {
    if (!w.openListed) return false;
    w.openListed = false;
    const p = w.openPrev;
    const n = w.openNext;
    if (p === null) this.head = n;
    else p.openNext = n;
    if (n === null) this.tail = p;
    else n.openPrev = p;
    w.openPrev = null;
    w.openNext = null;
    this.size--;
    return true;
  }

  has(w: WorkingOrder): boolean {
    return w.openListed;
  }

  *[Symbol.iterator](): IterableIterator<WorkingOrder> {
    for (let w = this.head; w !== null; ) {
      const next = w.openNext;
      yield w;
      // Removed while the caller held it: go on with the order that followed it.
      w = w.openListed ? w.openNext : next;
    }
  }
}

/** All orders of one exchange and their statuses. */
export class OrderStore {
  readonly byId = new OrderIndex();
  /** Orders that are not terminal. */
  readonly open = new OpenOrders();
  /** Terminal orders in the order they closed, from `closedHead` on (with a finite retention). */
  closedQueue: WorkingOrder[] = [];
  closedHead = 0;
  forgotten = 0;
  /** Last order number issued (`o1`, `o2`…). */
  seq = 0;
  /** Called once when an order becomes terminal, before it is reported closed. */
  onTerminal: (w: WorkingOrder) => void = () => {};

  constructor(
    private readonly clock: Clock,
    private readonly bus: EventBus,
    readonly retainClosed: number,
  ) {}

  /** Registers a new working order (its id is `o<seq>`, as the exchange numbers them). */
  add(w: WorkingOrder): void {
    this.byId.setNumbered(w);
    this.open.add(w);
  }

  /** The order with this id; throws `ORDER_UNKNOWN` otherwise. */
  get(id: string): WorkingOrder {
    const w = this.byId.get(id);
    if (w === undefined) {
      throw new TradeKitError(
        'ORDER_UNKNOWN',
        `Expected \`orderId\` of an order placed on this exchange, got ${describeValue(id)}. Use the \`id\` returned by placeOrder().` +
          (this.forgotten > 0
            ? ` ${this.forgotten} closed order(s) were forgotten under \`retainClosedOrders: ${this.retainClosed}\`; raise it to query older orders.`
            : ''),
        {
          details: { field: 'orderId', value: id },
        },
      );
    }
    return w;
  }

  /** Orders, oldest first, optionally filtered. */
  list(filter: OrderFilter): Order[] {
    const out: Order[] = [];
    // Open orders come from the working set, so a strategy asking per bar stays O(open orders)
    // however many orders have closed; sorted by placement to keep "oldest first".
    const from = filter.open ? [...this.open].sort((a, b) => a.seq - b.seq) : this.byId.values();
    for (const w of from) {
      if (filter.accountId !== undefined && w.account.id !== filter.accountId) continue;
      if (filter.symbol !== undefined && w.requestSymbol !== filter.symbol) continue;
      out.push(w.toOrder());
    }
    return out;
  }

  /** Reports the order's current view (`previous` = its status before, null when new). */
  report(w: WorkingOrder, previous: OrderStatus | null): void {
    w.updatedAt = this.clock.now();
    const at = this.bus.reportAt();
    if (this.bus.wantsOrder)
      this.bus.emit({ type: 'order', ts: w.updatedAt, order: w.toOrder(), previousStatus: previous }, at);
  }

  /** Reports a stop's trigger: a `trigger` event, not a status change. */
  reportTrigger(w: WorkingOrder): void {
    w.updatedAt = this.clock.now();
    // One report (one latency draw) whether or not anyone listens, as for every report.
    const at = this.bus.reportAt();
    if (this.bus.wantsTrigger()) this.bus.emitTrigger({ type: 'trigger', ts: w.updatedAt, order: w.toOrder() }, at);
  }

  /**
   * Reports an order the exchange resized itself (a bracket leg following its entry or its
   * sibling, a reduced OCO sibling) as a replace: `pending_replace` then back, both legal moves.
   * Orders already travelling a cancel or a modify show the new size in their next event.
   */
  reportResize(w: WorkingOrder): void {
    const back = w.status;
    if (back !== 'new' && back !== 'partially_filled') return;
    this.setStatus(w, 'pending_replace');
    this.setStatus(w, back);
  }

  /** Moves an order to `to` (a legal transition), reports it, and retires it when terminal. */
  setStatus(w: WorkingOrder, to: OrderStatus): void {
    const from = transition(w, to);
    this.report(w, from);
    if (isTerminal(to)) this.close(w);
  }

  /** An order became terminal: it leaves the working set and every working structure. */
  close(w: WorkingOrder): void {
    this.open.delete(w);
    this.onTerminal(w);
    if (this.retainClosed !== Number.POSITIVE_INFINITY) {
      this.closedQueue.push(w);
      this.forgetClosed();
    }
  }

  /** Forgets the oldest terminal orders beyond `retainClosedOrders` (not entries with working children). */
  private forgetClosed(): void {
    const q = this.closedQueue;
    // Each order is looked at once per call: an entry with working children goes to the back.
    let budget = q.length - this.closedHead;
    while (q.length - this.closedHead > this.retainClosed && budget-- > 0) {
      const w = q[this.closedHead++] as WorkingOrder;
      if (w.children.some((c) => !isTerminal(c.status))) {
        q.push(w);
        continue;
      }
      this.byId.delete(w.id);
      this.forgotten++;
    }
    if (this.closedHead > 1024 && this.closedHead * 2 > q.length) {
      this.closedQueue = q.slice(this.closedHead);
      this.closedHead = 0;
    }
  }
}
