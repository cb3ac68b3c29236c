#!/usr/bin/env python3
"""Emit SigV4 known-answer fixtures signed by botocore, as JSON on stdout.

Regenerate the committed fixtures with:

    python3 internal/sigv4/testdata/gen_botocore.py > internal/sigv4/testdata/botocore_fixtures.json

Every case is signed at a fixed instant with fixed keys, so the output is
deterministic. "headers" lists every header the server receives, in order:
the ones present at signing time (signed by botocore unless blacklisted, such
as User-Agent) followed by the ones a client adds after signing (unsigned).
"""
import datetime
import hashlib
import json
import sys

import botocore
import botocore.auth as auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLE//session+token=="
WHEN = datetime.datetime(2026, 11, 27, 1, 19, 19)
UA = "aws-cli/1.45.11 md/Botocore#1.43.11 botocore/1.43.11"
JSON = "application/x-amz-json-1.1"
OPEN_BODY = b'{"description": "fixture", "destinationConfig": {"thingName": "thing1", "services": ["SSH"]}}'


def cli_headers(op):
    return [
        ("X-Amz-Target", "IoTSecuredTunneling." + op),
        ("Content-Type", JSON),
        ("User-Agent", UA),
    ]


def after_cli(body):
    return [
        ("amz-sdk-invocation-id", "3a1c8a64-7d1e-4c55-9a0e-0d6c2c3e2f10"),
        ("amz-sdk-request", "attempt=1"),
        ("Accept-Encoding", "identity"),
        ("Content-Length", str(len(body))),
    ]


CASES = [
    dict(name="cli_open_tunnel", url="http://127.0.0.1:8443/", body=OPEN_BODY,
         before=cli_headers("OpenTunnel"), after=after_cli(OPEN_BODY)),
    dict(name="cli_session_token", url="http://127.0.0.1:8443/", body=b"{}", token=TOKEN,
         before=cli_headers("ListTunnels"), after=after_cli(b"{}")),
    dict(name="sdk_extra_signed_headers", url="http://127.0.0.1:8443/", body=OPEN_BODY,
         before=cli_headers("OpenTunnel") + [
             ("Content-Length", str(len(OPEN_BODY))),
             ("amz-sdk-invocation-id", "0f6f2b0e-4a53-4b7a-8a62-2a0d5b2f7c11"),
             ("amz-sdk-request", "attempt=1; max=3"),
             ("Accept-Encoding", "identity"),
         ], after=[]),
    dict(name="host_default_port", url="https://api.tunneling.iot.us-east-1.amazonaws.com/",
         body=b'{"tunnelId": "b2de92a3-b8ff-46c0-b0f2-afa28b00cecd"}',
         before=cli_headers("DescribeTunnel"), after=after_cli(b'{"tunnelId": "b2de92a3-b8ff-46c0-b0f2-afa28b00cecd"}')),
    dict(name="host_ipv6_with_port", url="http://[::1]:9443/", body=b"{}",
         before=cli_headers("ListTunnels"), after=after_cli(b"{}")),
    dict(name="lowercase_service", url="http://localhost:8080/", body=b"{}", service="iotsecuredtunneling",
         region="eu-west-1", before=cli_headers("ListTunnels"), after=after_cli(b"{}")),
    dict(name="empty_body", url="http://127.0.0.1:8443/", body=b"",
         before=cli_headers("ListTunnels"), after=[("Content-Length", "0")]),
    dict(name="date_header", url="http://127.0.0.1:8443/", body=b"{}",
         before=cli_headers("ListTunnels") + [("Date", "placeholder")], after=after_cli(b"{}")),
    dict(name="content_sha256_header", url="http://127.0.0.1:8443/", body=OPEN_BODY,
         before=cli_headers("OpenTunnel") + [("X-Amz-Content-SHA256", hashlib.sha256(OPEN_BODY).hexdigest())],
         after=after_cli(OPEN_BODY)),
    dict(name="whitespace_in_values", url="http://127.0.0.1:8443/", body=b"{}",
         before=cli_headers("ListTunnels") + [("X-Custom-Header", "a   b \t c")], after=after_cli(b"{}")),
    dict(name="path_and_query", method="GET", url="http://127.0.0.1:8443/a%20b/./c//d?b=2&a=1&a=0&c=x%20y&e",
         body=b"", before=[("User-Agent", UA)], after=[]),
]


class Capture(auth.SigV4Auth):
    """SigV4Auth that remembers its canonical request and string to sign."""

    def string_to_sign(self, request, canonical_request):
        sts = super().string_to_sign(request, canonical_request)
        self.captured = (canonical_request, sts)
        return sts


def sign(case):
    req = AWSRequest(method=case.get("method", "POST"), url=case["url"], data=case["body"])
    for name, value in case["before"]:
        req.headers[name] = value
    creds = Credentials(AKID, SECRET, case.get("token"))
    signer = Capture(creds, case.get("service", "IoTSecuredTunneling"), case.get("region", "us-east-1"))
    signer.add_auth(req)
    headers = [("Host", auth._host_from_url(case["url"]))]
    headers += [(k, v) for k, v in req.headers.items() if k != "Authorization"]
    headers += case["after"]
    canonical, sts = signer.captured
    return {
        "name": case["name"],
        "method": req.method,
        "url": case["url"],
        "headers": [[k, v] for k, v in headers],
        "body": case["body"].decode(),
        "access_key_id": AKID,
        "secret_access_key": SECRET,
        "session_token": case.get("token") or "",
        "region": signer._region_name,
        "service": signer._service_name,
        "date": req.context["timestamp"],
        "canonical_request": canonical,
        "string_to_sign": sts,
        "authorization": req.headers["Authorization"],
    }


def main():
    auth.get_current_datetime = lambda remove_tzinfo=True: WHEN
    out = {"botocore_version": botocore.__version__, "fixtures": [sign(c) for c in CASES]}
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
