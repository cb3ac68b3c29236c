// Package api is the control plane of the tunnel service: an http.Handler
// that speaks the AWS JSON 1.1 protocol of AWS IoT Secure Tunneling
// (target prefix IoTSecuredTunneling, API version 2018-10-05), so the AWS
// CLI and SDKs work against it unchanged.
//
// Every call is a POST to "/" whose X-Amz-Target header names the
// operation. A request goes through these steps, and the first failing
// step answers with an AWS-shaped JSON error; a rejected call writes
// nothing to the store:
//
//  1. method and path (405 or 404 UnknownOperationException)
//  2. read the body, at most 1 MiB (413 RequestEntityTooLargeException)
//  3. authenticate through Config.Auth (403 by default)
//  4. per-principal rate limit (400 ThrottlingException)
//  5. content type (400 SerializationException)
//  6. X-Amz-Target (400 UnknownOperationException)
//  7. decode the JSON (400 SerializationException)
//  8. validate against the model (400 ValidationException, or
//     LimitExceededException for configured quotas)
//  9. run the operation and encode its output (200)
//
// The mapping from domain and store errors to AWS error codes and HTTP
// statuses lives in errors.go only. Decisions the public sources leave
// open follow docs/PROTOCOL.md §9 (D8–D17, D20); the others are documented
// where they are taken.
package api
