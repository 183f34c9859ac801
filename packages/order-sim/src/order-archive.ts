/**
 * Closed orders in typed arrays. An order that became terminal is read again only when someone
 * asks for it (`getOrder`, `getOrders`, `snapshot`), but with the default `retainClosedOrders:
 * Infinity` the exchange keeps every one of them: as objects (the order, its request copy, its
 * id) they were most of the heap the garbage collector traced and copied. A plain closed order
 * (no stop, bracket, OCO, client id, rejection, nor any other rare field) is written here as one
 * row of numbers, and rebuilt as a fresh {@link WorkingOrder} whenever it is read: the same
 * fields, the same request (same keys in the same order, same values), so every view of it is
 * unchanged.
 */
import type { OrderRequest, OrderStatus } from '@tradekit/types';
import type { AccountLedger } from './ledger.js';
import type { MarketState } from './market-state.js';
import { WorkingOrder } from './working-order.js';

// Int32 columns of a row.
const I_ACCOUNT = 0;
const I_MARKET = 1;
const I_TYPE = 2;
const I_TIF = 3;
const I_TRIGGER = 4;
const I_STATUS = 5;
const I_FLAGS = 6;
const I_SHAPE = 7;
const IW = 8;
// Float64 columns of a row (NaN = none, as in WorkingOrder).
const F_QUANTITY = 0;
const F_LOTS = 1;
const F_FILLED = 2;
const F_COST = 3;
const F_FIRST_FILL = 4;
const F_LIMIT = 5;
const F_CREATED = 6;
const F_UPDATED = 7;
const F_VALUES = 8;
const FW = 9;

const TRIGGERED = 1;
const FEE_CHARGED = 2;

// Type tags of a request value.
const T_NUMBER = 0;
const T_STRING = 1;
const T_BOOLEAN = 2;
const T_UNDEFINED = 3;

/** The keys of a request, in order, with the type of each value (and each key's last string). */
interface Shape {
  keys: string[];
  tags: number[];
  lastStr: (string | undefined)[];
  lastId: number[];
}

/** Distinct strings kept (symbols, sides, account ids…): past it, orders stay objects. */
const MAX_STRINGS = 4096;

function tagOf(v: unknown): number {
  const t = typeof v;
  return t === 'number'
    ? T_NUMBER
    : t === 'string'
      ? T_STRING
      : t === 'boolean'
        ? T_BOOLEAN
        : v === undefined
          ? T_UNDEFINED
          : -1;
}

/** Closed orders as rows of numbers. */
export class OrderArchive {
  private ints = new Int32Array(IW * 1024);
  private nums = new Float64Array(FW * 1024);
  private vals = new Float64Array(8 * 1024);
  private rows = 0;
  private nVals = 0;
  private readonly strings: string[] = [];
  private readonly stringIds = new Map<string, number>();
  private readonly refs: (AccountLedger | MarketState)[] = [];
  private readonly refIds = new Map<AccountLedger | MarketState, number>();
  private readonly shapes: Shape[] = [];
  private readonly shapeIds = new Map<string, number>();
  private lastShape = -1;
  /** The last string and its number per Int32 column (most orders repeat their neighbour's). */
  private readonly colStr: (string | undefined)[] = new Array(IW).fill(undefined);
  private readonly colId: number[] = new Array(IW).fill(0);
  private readonly lastRef: (AccountLedger | MarketState | undefined)[] = [undefined, undefined];
  private readonly lastRefId: number[] = [0, 0];

  constructor(private readonly defaultTrigger: WorkingOrder['stopTrigger']) {}

  private str(s: string): number {
    let i = this.stringIds.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.stringIds.set(s, i);
    }
    return i;
  }

  /** `str(s)` through the column's one-entry cache. */
  private colCode(col: number, s: string): number {
    if (this.colStr[col] === s) return this.colId[col] as number;
    const i = this.str(s);
    this.colStr[col] = s;
    this.colId[col] = i;
    return i;
  }

  private ref(r: AccountLedger | MarketState): number {
    let i = this.refIds.get(r);
    if (i === undefined) {
      i = this.refs.length;
      this.refs.push(r);
      this.refIds.set(r, i);
    }
    return i;
  }

  /** `ref(r)` through the column's one-entry cache. */
  private colRef(col: number, r: AccountLedger | MarketState): number {
    if (this.lastRef[col] === r) return this.lastRefId[col] as number;
    const i = this.ref(r);
    this.lastRef[col] = r;
    this.lastRefId[col] = i;
    return i;
  }

  /** The shape of a request; -1 when it holds something other than numbers, strings, booleans. */
  private shapeOf(req: OrderRequest): number {
    const rec = req as unknown as Record<string, unknown>;
    const last = this.shapes[this.lastShape];
    if (last !== undefined) {
      // The request copy is a plain object: for-in walks its own keys in order, allocating nothing.
      let i = 0;
      let same = true;
      for (const k in rec) {
        if (k !== last.keys[i] || tagOf(rec[k]) !== last.tags[i]) {
          same = false;
          break;
        }
        i++;
      }
      if (same && i === last.keys.length && Object.getOwnPropertySymbols(req).length === 0) return this.lastShape;
    }
    const keys = Object.keys(req);
    const tags = keys.map((k) => tagOf(rec[k]));
    if (tags.includes(-1) || Object.getOwnPropertySymbols(req).length > 0) return -1;
    const key = keys.map((k, i) => `${k}\u0000${tags[i]}`).join('\u0001');
    let id = this.shapeIds.get(key);
    if (id === undefined) {
      id = this.shapes.length;
      this.shapes.push({ keys, tags, lastStr: keys.map(() => undefined), lastId: keys.map(() => 0) });
      this.shapeIds.set(key, id);
    }
    this.lastShape = id;
    return id;
  }

  /** Writes a closed plain order as a row; its number, or -1 when the order must stay an object. */
  put(w: WorkingOrder): number {
    if (!w.isPlain() || w.node !== null || w.openListed || w.waiting) return -1;
    if (this.strings.length >= MAX_STRINGS) return -1;
    const req = w.request;
    const shape = this.shapeOf(req);
    if (shape < 0) return -1;
    const s = this.shapes[shape] as Shape;
    const rec = req as unknown as Record<string, unknown>;
    const row = this.rows;
    if ((row + 1) * IW > this.ints.length) {
      const ints = new Int32Array(this.ints.length * 2);
      ints.set(this.ints);
      this.ints = ints;
      const nums = new Float64Array(this.nums.length * 2);
      nums.set(this.nums);
      this.nums = nums;
    }
    if (this.nVals + s.keys.length > this.vals.length) {
      const vals = new Float64Array(Math.max(this.vals.length * 2, this.nVals + s.keys.length));
      vals.set(this.vals);
      this.vals = vals;
    }
    const off = this.nVals;
    for (let i = 0; i < s.keys.length; i++) {
      const v = rec[s.keys[i] as string];
      const t = s.tags[i];
      let x = 0;
      if (t === T_NUMBER) x = v as number;
      else if (t === T_STRING) {
        if (s.lastStr[i] === v) x = s.lastId[i] as number;
        else {
          x = this.str(v as string);
          s.lastStr[i] = v as string;
          s.lastId[i] = x;
        }
      } else if (t === T_BOOLEAN) x = v ? 1 : 0;
      this.vals[off + i] = x;
    }
    this.nVals += s.keys.length;
    const I = row * IW;
    const ints = this.ints;
    ints[I + I_ACCOUNT] = this.colRef(I_ACCOUNT, w.account);
    ints[I + I_MARKET] = this.colRef(I_MARKET, w.market);
    ints[I + I_TYPE] = this.colCode(I_TYPE, w.type);
    ints[I + I_TIF] = this.colCode(I_TIF, w.tif);
    ints[I + I_TRIGGER] = this.colCode(I_TRIGGER, w.stopTrigger);
    ints[I + I_STATUS] = this.colCode(I_STATUS, w.status);
    ints[I + I_FLAGS] = (w.triggered ? TRIGGERED : 0) | (w.feeCharged ? FEE_CHARGED : 0);
    ints[I + I_SHAPE] = shape;
    const F = row * FW;
    const nums = this.nums;
    nums[F + F_QUANTITY] = w.quantity;
    nums[F + F_LOTS] = w.lots;
    nums[F + F_FILLED] = w.filledLots;
    nums[F + F_COST] = w.costTicks;
    nums[F + F_FIRST_FILL] = w.firstFillTick;
    nums[F + F_LIMIT] = w.limitTick;
    nums[F + F_CREATED] = w.createdAt;
    nums[F + F_UPDATED] = w.updatedAt;
    nums[F + F_VALUES] = off;
    this.rows++;
    return row;
  }

  /** A fresh object for row `row` (order number `seq`), equal to the order that was written. */
  get(row: number, seq: number): WorkingOrder {
    const I = row * IW;
    const F = row * FW;
    const ints = this.ints;
    const nums = this.nums;
    const s = this.shapes[ints[I + I_SHAPE] as number] as Shape;
    const off = nums[F + F_VALUES] as number;
    const req: Record<string, unknown> = {};
    for (let i = 0; i < s.keys.length; i++) {
      const v = this.vals[off + i] as number;
      const t = s.tags[i];
      req[s.keys[i] as string] =
        t === T_NUMBER ? v : t === T_STRING ? this.strings[v] : t === T_BOOLEAN ? v === 1 : undefined;
    }
    const strings = this.strings;
    const w = new WorkingOrder(
      seq,
      req as unknown as OrderRequest,
      this.refs[ints[I + I_ACCOUNT] as number] as AccountLedger,
      this.refs[ints[I + I_MARKET] as number] as MarketState,
      this.defaultTrigger,
      nums[F + F_CREATED] as number,
    );
    w.type = strings[ints[I + I_TYPE] as number] as WorkingOrder['type'];
    w.tif = strings[ints[I + I_TIF] as number] as WorkingOrder['tif'];
    w.stopTrigger = strings[ints[I + I_TRIGGER] as number] as WorkingOrder['stopTrigger'];
    w.status = strings[ints[I + I_STATUS] as number] as OrderStatus;
    const flags = ints[I + I_FLAGS] as number;
    w.triggered = (flags & TRIGGERED) !== 0;
    w.feeCharged = (flags & FEE_CHARGED) !== 0;
    w.quantity = nums[F + F_QUANTITY] as number;
    w.lots = nums[F + F_LOTS] as number;
    w.filledLots = nums[F + F_FILLED] as number;
    w.costTicks = nums[F + F_COST] as number;
    w.firstFillTick = nums[F + F_FIRST_FILL] as number;
    w.limitTick = nums[F + F_LIMIT] as number;
    w.updatedAt = nums[F + F_UPDATED] as number;
    return w;
  }
}
