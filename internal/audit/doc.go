// Package audit writes tunneld's audit log: one JSON object per line, for
// every control-plane call (allowed, denied or unauthenticated), every
// data-plane connection (accepted, rejected, ended) and every failed MQTT
// authentication (docs/PROTOCOL.md §1.11, D21).
//
// Events use the field names of AWS CloudTrail records (eventTime,
// eventSource, eventName, userIdentity, sourceIPAddress, requestParameters,
// responseElements, errorCode, ...) so that tools that read CloudTrail read
// them too. Data-plane and MQTT events keep that shape with their own
// eventType and eventName values.
//
// Writing never blocks the caller: Record encodes the event and hands it to
// one writer goroutine through a bounded queue. When the queue is full, or a
// write fails, the event is counted (see Collectors) and logged, and the
// caller goes on. Reopen closes and reopens the file, for logrotate.
package audit
