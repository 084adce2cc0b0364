// `@tradecore/ingest/testing`: a local fake of Kraken's public REST and WebSocket v2 API, for tests and demos.
export { FakeKraken, wsTrade, type FakeEndpoint, type FakeFault, type FakeKrakenOptions, type FakeRequest, type KrakenCandle } from './testing/FakeKraken.ts';
export { ArrayTape, generatedTape, indexAfter, randomTape, restRow, tradeCursor, tradeSeconds, tradeSecondsText, type FakeTrade, type TapeOptions, type TradeTape } from './testing/tapes.ts';
