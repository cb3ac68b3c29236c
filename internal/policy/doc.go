// Package policy parses and evaluates AWS IAM identity-based policies (JSON)
// and the policy file that maps tunneld's access keys to users and their
// policies. It is pure: no I/O, no clock, no global state. Parse compiles a
// document once (lower-cased actions, split wildcard patterns, parsed
// numbers, dates and CIDR ranges); evaluating a well-formed request does
// not allocate.
//
// # Grammar
//
// A policy is an object with Version ("2012-10-17" or "2008-10-17"; absent
// means 2008-10-17), an optional Id, and Statement: one statement object or
// a non-empty array of them. A statement has an optional Sid (letters and
// digits, unique in the policy), Effect ("Allow" or "Deny"), exactly one of
// Action and NotAction, exactly one of Resource and NotResource (each a
// string or a non-empty array of strings), and an optional Condition.
// Principal and NotPrincipal are rejected: the principal of an identity
// policy is the user it is attached to. Member names are case-sensitive;
// unknown and duplicate members are errors naming their path.
//
// Actions are "*" or "service:action" and match case-insensitively, with '*'
// (any run of characters, also none) and '?' (one character) wildcards.
// Resources are "*" or ARNs and match case-sensitively with the same
// wildcards, component by component: the first k-1 components of a
// k-component pattern match the colon-separated components of the ARN one
// by one and the last matches the rest, colons included; so "*" and
// "arn:aws:iot:*" match across colons while the '*' in "arn:aws:iot:*:1:thing/x"
// stays within the region. ArnEquals/ArnLike conditions match the same way.
//
// With Version 2012-10-17, Resource and the values of the String and Arn
// condition operators may contain policy variables: ${key} takes the single
// value of the context key (keys are case-insensitive), ${key, 'default'}
// falls back to default, and ${*}, ${?} and ${$} stand for those characters
// literally. A variable's value is matched literally, never as a wildcard. A
// variable whose key has no single value and no default makes the pattern it
// is part of match nothing (a Resource does not match, a condition value is
// equal to or like nothing). With 2008-10-17, ${...} is literal text.
//
// # Conditions
//
// Operators: StringEquals, StringNotEquals, StringEqualsIgnoreCase,
// StringNotEqualsIgnoreCase, StringLike, StringNotLike; NumericEquals,
// NumericNotEquals, NumericLessThan[Equals], NumericGreaterThan[Equals];
// DateEquals, DateNotEquals, DateLessThan[Equals], DateGreaterThan[Equals]
// (W3C ISO 8601: YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mm[:ss[.s]] with Z or
// ±hh:mm, UTC when absent; or a plain number of epoch seconds); Bool;
// BinaryEquals (base64 in the policy, raw bytes in the context); IpAddress
// and NotIpAddress (IPv4/IPv6 CIDR, a bare address is /32 or /128);
// ArnEquals, ArnLike, ArnNotEquals, ArnNotLike; Null. Every operator but
// Null takes the IfExists suffix and the ForAllValues: or ForAnyValue: prefix.
//
// Semantics follow AWS: operators in a block, and keys under an operator,
// are ANDed; several values for one key are ORed, and NORed by a negated
// operator. A key absent from the context fails a positive operator and
// passes a negated one; ...IfExists passes on an absent key; Null "true"
// holds when the key is absent, "false" when present. ForAllValues holds
// when every request value matches some policy value, and also when the key
// is absent or empty (beware under Allow); ForAnyValue holds when some
// request value matches and never for an absent key; with a negated
// operator each request value is tested with the negation. A plain operator
// on a key with several request values holds when any of them matches
// (negated: when none does). String values compare case-sensitively except
// with the IgnoreCase operators.
//
// # Evaluation
//
// For a request (action, resource ARN, context), a statement applies when
// its action, resource and all conditions match. An applying Deny statement
// in any of the user's policies gives ExplicitDeny; else an applying Allow
// gives Allow; else the request is implicitly denied (Deny).
//
// # Deviations from AWS
//
// Only identity-based policies attached to users are modelled: no
// resource-based policies, permission boundaries, session policies, SCPs or
// groups and roles. The parser is stricter than IAM where IAM silently
// accepts nonsense: duplicate JSON members (IAM keeps the last duplicate
// condition operator), empty value lists and unknown operators are errors.
// A '*' that ends a middle ARN component of a Resource does not extend past
// that component's colon. Policy variables may appear anywhere in a
// Resource, not only in its resource part. The size limits of IAM are not
// enforced.
package policy
