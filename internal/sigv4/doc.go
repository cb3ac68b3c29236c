// Package sigv4 verifies AWS Signature Version 4 on control-plane requests,
// the way AWS verifies calls to IoT Secure Tunneling, and signs requests for
// tests. It does no HTTP routing: the api package calls Verify as middleware
// before dispatch, with the request body already read.
//
// Verification is generic over the SignedHeaders list, so the AWS CLI v1
// (content-type;host;x-amz-date;x-amz-target) and the Go SDK v2 (which also
// signs content-length and amz-sdk-*) both pass. Secrets come from a
// KeyStore; StaticKeys is a map-based one, filled from an AWS shared
// credentials file by LoadCredentialsFile.
//
// Decisions, where SigV4 or docs/PROTOCOL.md D12 leave room:
//
//   - Status codes: MissingAuthenticationTokenException, UnrecognizedClient-
//     Exception and InvalidSignatureException are 403 (D12).
//     IncompleteSignatureException, used for a malformed Authorization
//     header, an unsupported algorithm, missing parts, a missing or
//     unparsable date, or a non-canonical SignedHeaders list, is 400 as on
//     AWS.
//   - Date: X-Amz-Date (20060102T150405Z) is required and must be signed;
//     the Date header is not accepted instead (botocore and the Go SDK v2
//     always send X-Amz-Date for this service). The credential-scope date
//     must equal the request date's yyyymmdd, else
//     InvalidSignatureException, as on AWS.
//   - Clock skew: a request date further than MaxSkew (default 15 minutes)
//     from now in either direction is rejected with InvalidSignatureException
//     whose message starts "Signature expired: " (D12; AWS words the future
//     case "Signature not yet current", we keep the D12 prefix and say
//     "is now later than"). Exactly MaxSkew passes.
//   - Payload: the canonical request carries the hex SHA-256 of the body.
//     If X-Amz-Content-Sha256 is present, its value is used in the canonical
//     request (as botocore does) but it must equal the body hash
//     (case-insensitively); UNSIGNED-PAYLOAD and the streaming variants are
//     rejected with InvalidSignatureException, because the control plane may
//     run over plain HTTP and no client of this service needs them.
//   - Canonical URI: the escaped path as received, with empty and dot
//     segments removed, URI-encoded again (double encoding, as for every
//     non-S3 service). Canonical query: pairs percent-decoded ('+' stays a
//     literal plus), re-encoded, sorted by name then value.
//   - Host is r.Host exactly as received, port included. Content-Length is
//     the received header, or r.ContentLength when the header is absent.
//   - SignedHeaders must be lowercase, sorted and free of duplicates, must
//     include host, x-amz-date and x-amz-target (else
//     IncompleteSignatureException naming the missing one, the code AWS
//     uses for an incomplete SignedHeaders list), and x-amz-security-token
//     when that header is present (D23). Signing x-amz-target binds the
//     signature to the operation: a signed DescribeTunnel cannot be
//     replayed as CloseTunnel.
//   - Session tokens: a key with a SessionToken requires a matching
//     X-Amz-Security-Token (else UnrecognizedClientException); a key without
//     one accepts any security token, as long as it is signed.
//   - Only header signatures are accepted; presigned query-string requests
//     get MissingAuthenticationTokenException.
//
// Error messages never contain a secret, a signature or a session token.
package sigv4
