/**
 * @tradekit/ws-tester: WebSocket testing for trading clients — mock servers with fault
 * injection, a SignalR hub, a fault-injecting proxy, a stability suite, a market feed server
 * and a load driver.
 * @packageDocumentation
 */
export {
  type MockServerOptions,
  type CloseOptions,
  type CloseInfo,
  type MessageMatch,
  type MessageReply,
  type MockServerEvents,
  type RejectedAttempt,
  type InvalidFrame,
  MockServer,
  MockClient,
  createMockServer,
} from './mock/server.js';
export { type ListenerOptions, type RestartOptions, stopAllServers } from './mock/listener.js';
export { MessageQueue } from './mock/queue.js';
export { type Probe, type ProbeFrame, openProbe } from './mock/probe.js';
export {
  type Duration,
  type FaultSelector,
  type FaultRule,
  type FaultScript,
  type DropFault,
  type CloseFault,
  type RejectFault,
  type DelayFault,
  type CorruptFault,
  type DuplicateFault,
  type ReorderFault,
  type LoseFault,
  type BurstFault,
  type BandwidthFault,
  type PingTimeoutFault,
  type SlowConsumerFault,
  type RestartEvent,
  type NormalizedRule,
  type NormalizedScript,
  normalizeFaultScript,
} from './faults/script.js';
export { type LinkSink, type LinkStats, FaultPlan, FaultyLink } from './faults/link.js';
export {
  type ProtocolErrorMessage,
  type DecodedFrame,
  decodeJsonFrame,
  encodeJsonFrame,
  protocolError,
  matchesPartial,
} from './protocol/json.js';
export { type ProxyOptions, type ProxyStats, WsProxy, createProxy } from './proxy/proxy.js';
export {
  type HubMethod,
  type SignalRServerOptions,
  type ReceivedInvocation,
  SignalRConnection,
  SignalRServer,
  createSignalRServer,
} from './signalr/hub.js';
export {
  type StabilityScenarioName,
  type StabilityClient,
  type StabilityContext,
  type MakeStabilityClient,
  type StabilityOptions,
  type ScenarioResult,
  type StabilityReport,
  STABILITY_SCENARIOS,
  runStabilitySuite,
} from './stability/suite.js';
export {
  type InvocationMessage,
  type CompletionMessage,
  type HubMessage,
  RECORD_SEPARATOR,
  SignalRMessageType,
  encodeRecord,
  splitRecords,
} from './signalr/protocol.js';
export {
  type FeedServerOptions,
  type FeedServerStats,
  type FeedServer,
  createFeedServer,
  type FeedSubscriptionOptions,
  type FeedSubscription,
  connectFeed,
  type RecordSessionOptions,
  type RecordingSummary,
  type Recording,
  recordSession,
  type FeedSubscribeRequest,
  type FeedUnsubscribeRequest,
  type FeedRequest,
  type FeedSnapshotMessage,
  type FeedUpdateMessage,
  type FeedResumedMessage,
  type FeedAckMessage,
  type FeedErrorMessage,
  type FeedEndMessage,
  type FeedMessage,
} from './feed/index.js';
export {
  type LoadOptions,
  type LoadProgress,
  type LoadReport,
  type LoadShard,
  type LoadErrorKind,
  type LatencySummary,
  type LatencyRecorder,
  createLatencyRecorder,
  mergeHistograms,
  type Threshold,
  type ThresholdMetric,
  type ThresholdOperator,
  type ThresholdResult,
  MAX_LOAD_CONNECTIONS,
  MAX_LOAD_DURATION,
  runLoad,
  parseShard,
  mergeReports,
  formatLoadSummary,
  parseThreshold,
  evaluateThresholds,
  type EchoServerOptions,
  type EchoServer,
  createEchoServer,
} from './load/index.js';
