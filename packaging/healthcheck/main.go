// Command adit-healthcheck is the container image's health check: it asks
// tunneld's /healthz on the loopback interface and exits 0 on 200, 1
// otherwise. The URL is ADIT_HEALTHCHECK_URL (default
// http://127.0.0.1:8080/healthz); an https URL is not verified, since it
// names the container's own loopback address.
package main

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"time"
)

func main() {
	url := os.Getenv("ADIT_HEALTHCHECK_URL")
	if url == "" {
		url = "http://127.0.0.1:8080/healthz"
	}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // loopback, self-signed
	}}
	resp, err := c.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "adit-healthcheck:", err)
		os.Exit(1)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, "adit-healthcheck:", url, resp.Status)
		os.Exit(1)
	}
}
