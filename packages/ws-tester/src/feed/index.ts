export {
  type FeedServerOptions,
  type FeedServerStats,
  type FeedServer,
  createFeedServer,
} from './server.js';
export {
  type FeedSubscriptionOptions,
  type FeedSubscription,
  connectFeed,
} from './client.js';
export {
  type RecordSessionOptions,
  type RecordingSummary,
  type Recording,
  recordSession,
} from './recorder.js';
export type {
  FeedSubscribeRequest,
  FeedUnsubscribeRequest,
  FeedRequest,
  FeedSnapshotMessage,
  FeedUpdateMessage,
  FeedResumedMessage,
  FeedAckMessage,
  FeedErrorMessage,
  FeedEndMessage,
  FeedMessage,
} from './protocol.js';
