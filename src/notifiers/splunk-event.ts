import type { FeedEvent } from './feed-event.js';

/**
 * Splunk HTTP Event Collector envelopes (`/services/collector/event`, documented at
 * https://docs.splunk.com/Documentation/Splunk/latest/Data/FormateventsforHTTPEventCollector): `time` in
 * epoch seconds, `host`, `source`, `sourcetype`, `index` when configured, and the feed event itself in
 * `event`. A batch is the envelopes one after another, which HEC reads as several events.
 */

export interface SplunkMetadata {
  host: string;
  source: string;
  sourcetype: string;
  index?: string;
}

export interface SplunkEnvelope extends SplunkMetadata {
  time: number;
  event: FeedEvent;
}

/** Pure. `time` is the scan's time, so a redelivered event sorts where the first one would have. */
export function renderSplunkEnvelope(event: FeedEvent, metadata: SplunkMetadata): SplunkEnvelope {
  return {
    time: Date.parse(event.time) / 1000,
    host: metadata.host,
    source: metadata.source,
    sourcetype: metadata.sourcetype,
    ...(metadata.index !== undefined ? { index: metadata.index } : {}),
    event,
  };
}

/** One request body for several events: each envelope on its own line. */
export function splunkBatchBody(envelopes: readonly SplunkEnvelope[]): string {
  return envelopes.map((envelope) => JSON.stringify(envelope)).join('\n');
}
