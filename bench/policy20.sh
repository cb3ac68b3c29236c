#!/usr/bin/env bash
# Prints a policy file with one user (access key id $1) whose policy has 20
# statements: 18 that do not match the benchmark's calls (other actions,
# other resources, other tags) and 2 that allow them under conditions on
# the source IP, the time and the services. Used by bench/api.sh.
set -euo pipefail
key="$1"
arn='arn:aws:iot:us-east-1:123456789012'
stmts=()
for i in $(seq 1 18); do
  stmts+=("{\"Sid\":\"Other$i\",\"Effect\":\"Allow\",\"Action\":[\"iot:TagResource\",\"iot:Untag*\"],\"Resource\":\"$arn:tunnel/*\",\"Condition\":{\"StringEquals\":{\"aws:ResourceTag/team\":\"team-$i\"}}}")
done
stmts+=("{\"Sid\":\"Open\",\"Effect\":\"Allow\",\"Action\":\"iot:OpenTunnel\",\"Resource\":[\"$arn:tunnel/*\",\"$arn:thing/bench-*\"],\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":\"127.0.0.0/8\"},\"DateLessThan\":{\"aws:CurrentTime\":\"2100-01-01T00:00:00Z\"},\"ForAllValues:StringLike\":{\"iot:TunnelDestinationService\":[\"SSH\",\"HTTP*\"]}}}")
stmts+=("{\"Sid\":\"Read\",\"Effect\":\"Allow\",\"Action\":[\"iot:Describe*\",\"iot:List*\"],\"Resource\":\"$arn:tunnel/*\",\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":[\"127.0.0.0/8\",\"::1/128\"]}}}")
joined=$(IFS=,; echo "${stmts[*]}")
printf '{"users":[{"name":"bench","accessKeyIds":["%s"],"policies":[{"Version":"2012-10-17","Statement":[%s]}]}]}\n' "$key" "$joined"
