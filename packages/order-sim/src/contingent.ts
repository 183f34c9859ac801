/**
 * Contingent orders: OCO groups and brackets. A bracket's stop-loss and take-profit are created
 * `inactive` with the entry, activate on its first fill, follow its filled size, and form an OCO
 * group. Reacts to fills and closes reported by the engine; never matches anything itself.
 */
import { type OrderRequest, lotsToQuantity, priceToTicks } from '@tradekit/types';
import type { Engine } from './engine.js';
import { BUY } from './order-book.js';
import { WorkingOrder, offsetTicks } from './working-order.js';
import { isTerminal } from './orders.js';

/** OCO groups and bracket children of one exchange. */
export class Contingent {
  readonly groups = new Map<string, Set<WorkingOrder>>();

  constructor(private readonly ex: Engine) {}

  /** Puts an order in an OCO group. */
  join(w: WorkingOrder, group: string): void {
    w.ocoGroup = group;
    let set = this.groups.get(group);
    if (!set) {
      set = new Set();
      this.groups.set(group, set);
    }
    set.add(w);
  }

  /**
   * An order filled (partly or fully): its OCO siblings and its bracket children react. A bracket
   * leg's partial fill reduces the other leg to what is left to close (brokers do the same) and
   * its complete fill cancels it; plain OCO groups do this under `ocoOnPartial: 'reduce'`, and
   * cancel on the first fill under the default `'cancel'`.
   */
  onFill(w: WorkingOrder): void {
    if (w.ocoGroup !== undefined) {
      const reduce = w.parent !== undefined || this.ex.cfg.ocoOnPartial === 'reduce';
      if (reduce && w.status !== 'filled') this.reduceSiblings(w);
      else this.cancelSiblings(w);
    }
    if (w.children.length > 0) this.syncChildren(w);
  }

  /** Shrinks the working siblings of `w` so that each has `w`'s remaining quantity left. */
  private reduceSiblings(w: WorkingOrder): void {
    const set = this.groups.get(w.ocoGroup as string);
    if (!set) return;
    const left = w.remainingLots;
    for (const o of [...set]) {
      if (o === w || isTerminal(o.status) || o.status === 'inactive') continue;
      const target = o.filledLots + left;
      if (o.status === 'pending_new') {
        // Not validated yet: it arrives with the smaller size.
        const q = lotsToQuantity(o.market.inst, left);
        if (q < o.quantity) {
          o.quantity = q;
          o.request = { ...o.request, quantity: q };
        }
        continue;
      }
      if (target < o.lots) this.resize(o, target);
    }
  }

  /** Sets an order's total lots; a resting order keeps its place on a decrease and loses it on an increase. */
  private resize(o: WorkingOrder, lots: number): void {
    const increase = lots > o.lots;
    o.lots = lots;
    o.quantity = lotsToQuantity(o.market.inst, lots);
    if (o.node !== null && o.node.ref === o && o.node.level !== null) {
      const book = o.market.book;
      if (increase) {
        // A size increase loses queue priority.
        book.unlink(o.node);
        o.node.qty = o.remainingLots;
        book.rest(o.node);
      } else o.node.qty = o.remainingLots;
    }
    this.ex.store.reportResize(o);
  }

  /** An order closed: it leaves its group, and an entry that never filled takes its children with it. */
  onClose(w: WorkingOrder): void {
    if (w.ocoGroup !== undefined) {
      const set = this.groups.get(w.ocoGroup);
      if (set) {
        set.delete(w);
        if (set.size === 0) this.groups.delete(w.ocoGroup);
      }
    }
    if (w.filledLots === 0) {
      for (const c of w.children)
        if (c.status === 'inactive' || c.status === 'pending_new') this.ex.store.setStatus(c, 'canceled');
    }
  }

  private cancelSiblings(w: WorkingOrder): void {
    const set = this.groups.get(w.ocoGroup as string);
    if (!set) return;
    for (const o of [...set]) if (o !== w && !isTerminal(o.status)) this.ex.store.setStatus(o, 'canceled');
  }

  /** Creates a bracket's stop-loss and take-profit, `inactive` until the entry fills. */
  createChildren(parent: WorkingOrder): void {
    const ex = this.ex;
    const r = parent.request;
    const b = r.bracket as NonNullable<OrderRequest['bracket']>;
    const exit = parent.side === 'buy' ? 'sell' : 'buy';
    const group = `bracket:${parent.id}`;
    const make = (kind: 'sl' | 'tp'): void => {
      const spec = kind === 'sl' ? b.stopLoss : b.takeProfit;
      if (!spec) return;
      const req: OrderRequest = {
        symbol: r.symbol,
        side: exit,
        type: kind === 'sl' ? 'stop' : 'limit',
        quantity: r.quantity,
        accountId: parent.account.id,
        clientOrderId: `${parent.clientOrderId}-${kind}`,
        ocoGroup: group,
      };
      if (r.stopTrigger) req.stopTrigger = r.stopTrigger;
      const c = new WorkingOrder(
        ++ex.store.seq,
        req,
        parent.account,
        parent.market,
        ex.cfg.stopTrigger,
        ex.clock.now(),
      );
      c.parent = parent;
      c.lots = 0;
      this.join(c, group);
      ex.store.add(c);
      parent.addChild(c);
      ex.store.report(c, null);
      ex.store.setStatus(c, 'inactive');
    };
    make('sl');
    make('tp');
  }

  /** Activates bracket children on the entry's first fill and keeps their size equal to it. */
  private syncChildren(parent: WorkingOrder): void {
    const ex = this.ex;
    const inst = parent.market.inst;
    const b = parent.request.bracket as NonNullable<OrderRequest['bracket']>;
    const entry = parent.firstFillTick;
    const dir = parent.cside === BUY ? 1 : -1;
    for (const c of parent.children) {
      if (isTerminal(c.status)) continue;
      const isSl = c.type === 'stop';
      if (c.status === 'inactive') {
        const spec = (isSl ? b.stopLoss : b.takeProfit) as NonNullable<typeof b.stopLoss>;
        const tick = 'at' in spec ? priceToTicks(inst, spec.at) : entry + (isSl ? -dir : dir) * offsetTicks(inst, spec);
        if (isSl) c.stopTick = tick;
        else c.limitTick = tick;
        c.lots = parent.filledLots;
        c.quantity = lotsToQuantity(inst, c.lots);
        if (isSl) {
          ex.store.setStatus(c, 'new');
          c.market.stops.push(c);
          ex.triggers.check(c.market, Number.NaN);
        } else {
          ex.store.setStatus(c, 'new');
          ex.execute(c, Number.NaN);
        }
      } else {
        // Each leg covers what is open: the entry's fills less what the legs have closed.
        let closed = 0;
        for (const x of parent.children) closed += x.filledLots;
        const target = c.filledLots + parent.filledLots - closed;
        if (c.lots < target) this.resize(c, target);
      }
    }
  }
}
