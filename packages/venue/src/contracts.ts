/**
 * Venue instruments: an order-sim instrument plus the names a gateway shows for it (contract id,
 * display name, symbol id, description).
 */
import { type Instrument, type InstrumentSpec, defineInstrument, invalidValue, tickValue } from '@tradekit/types';
import { assertKnownKeys } from '@tradekit/types';
import { CONFIG_INVALID } from './errors.js';

/** An instrument the venue lists, with its gateway names. */
export interface VenueInstrumentSpec extends InstrumentSpec {
  /** Gateway contract id. @default `CON.F.US.<symbol>.U25` */
  contractId?: string;
  /** Short contract name shown by the gateway. @default `<symbol>U5` */
  name?: string;
  /** Contract root without expiry (quotes carry it as `symbol`). @default `F.US.<symbol>` */
  symbolId?: string;
  /** Human-readable description. @default the symbol */
  description?: string;
  /** Whether this is the front (active) contract. @default true */
  activeContract?: boolean;
}

/** A listed contract: the validated instrument and its gateway names. */
export interface Contract {
  readonly instrument: Instrument;
  readonly symbol: string;
  readonly contractId: string;
  readonly name: string;
  readonly symbolId: string;
  readonly description: string;
  readonly activeContract: boolean;
  /** Money per tick per contract, as a number for payloads. */
  readonly tickValue: number;
}

const INSTRUMENT_KEYS = [
  'symbol',
  'tickSize',
  'multiplier',
  'lotSize',
  'currency',
  'sessions',
  'marginPerContract',
  'contractId',
  'name',
  'symbolId',
  'description',
  'activeContract',
];

/** Validates instrument specs and gives each its gateway names. */
export function defineContracts(specs: readonly VenueInstrumentSpec[]): Contract[] {
  if (!Array.isArray(specs) || specs.length === 0) {
    throw invalidValue(
      CONFIG_INVALID,
      'instruments',
      'a non-empty array of instruments',
      specs,
      'Example: [{ symbol: "MNQ", tickSize: 0.25, multiplier: 2 }].',
    );
  }
  const out: Contract[] = [];
  const ids = new Set<string>();
  for (const [i, spec] of specs.entries()) {
    if (typeof spec !== 'object' || spec === null)
      throw invalidValue(CONFIG_INVALID, `instruments[${i}]`, 'an instrument object', spec);
    assertKnownKeys(spec, INSTRUMENT_KEYS, { code: CONFIG_INVALID, where: `instruments[${i}]` });
    const { contractId, name, symbolId, description, activeContract, ...rest } = spec;
    const instrument = defineInstrument(rest);
    const sym = instrument.symbol;
    const c: Contract = {
      instrument,
      symbol: sym,
      contractId: contractId ?? `CON.F.US.${sym}.U25`,
      name: name ?? `${sym}U5`,
      symbolId: symbolId ?? `F.US.${sym}`,
      description: description ?? sym,
      activeContract: activeContract ?? true,
      tickValue: tickValue(instrument).toNumber(),
    };
    if (ids.has(c.contractId))
      throw invalidValue(CONFIG_INVALID, `instruments[${i}].contractId`, 'distinct contract ids', c.contractId);
    ids.add(c.contractId);
    out.push(c);
  }
  return out;
}
