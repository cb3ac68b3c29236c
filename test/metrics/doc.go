// Package metrics holds black-box tests of tunneld's GET /metrics: a real
// tunneld on loopback, driven through the API, the data plane, the AWS
// CLI and MQTT, scraped and parsed. They check that every series served
// before the move to the Prometheus client library is still served under
// the same name, type and labels (testdata holds that older scrape), that
// the new series count what happened, and that every expression of the
// Grafana dashboard in docs/ names series the server exposes.
package metrics
