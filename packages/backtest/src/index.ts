/**
 * @tradekit/backtest: event-driven backtests on the order-sim exchange.
 * @packageDocumentation
 */
export {
  type Indicator,
  SMA,
  EMA,
  WMA,
  RSI,
  ATR,
  RollingStdDev,
  BollingerBands,
  MACD,
  VWAP,
  Highest,
  Lowest,
} from './indicators.js';
