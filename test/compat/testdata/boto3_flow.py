"""Drives all eight IoT Secure Tunneling operations through boto3 against
the endpoint given as argv[1], printing one JSON document of observations
for the Go test to check. Credentials and region come from the environment."""
import json
import sys

import boto3
from botocore.exceptions import ClientError

endpoint = sys.argv[1]
c = boto3.client("iotsecuretunneling", endpoint_url=endpoint)
out = {}

o = c.open_tunnel(
    description="boto3 tunnel",
    tags=[{"key": "env", "value": "ci"}],
    destinationConfig={"thingName": "dev-b3", "services": ["SSH"]},
    timeoutConfig={"maxLifetimeTimeoutMinutes": 30},
)
tid, arn = o["tunnelId"], o["tunnelArn"]
out["open_keys"] = sorted(k for k in o if k != "ResponseMetadata")
out["request_id"] = bool(o["ResponseMetadata"].get("RequestId"))

d = c.describe_tunnel(tunnelId=tid)["tunnel"]
out["describe"] = {
    "status": d["status"],
    "createdAt_is_datetime": type(d["createdAt"]).__name__ == "datetime",
    "timeout": d["timeoutConfig"]["maxLifetimeTimeoutMinutes"],
    "thing": d["destinationConfig"]["thingName"],
    "src_state": d["sourceConnectionState"]["status"],
}

page = c.list_tunnels(maxResults=1)
out["list_first"] = page["tunnelSummaries"][0]["tunnelId"] == tid

r = c.rotate_tunnel_access_token(tunnelId=tid, clientMode="ALL")
out["rotate_keys"] = sorted(k for k in r if k != "ResponseMetadata")

c.tag_resource(resourceArn=arn, tags=[{"key": "owner", "value": "me"}])
c.untag_resource(resourceArn=arn, tagKeys=["env"])
out["tags"] = c.list_tags_for_resource(resourceArn=arn)["tags"]

c.close_tunnel(tunnelId=tid, delete=True)
try:
    c.describe_tunnel(tunnelId=tid)
    out["after_delete"] = "found"
except ClientError as e:
    out["after_delete"] = e.response["Error"]["Code"]
    out["after_delete_status"] = e.response["ResponseMetadata"]["HTTPStatusCode"]

try:
    c.open_tunnel(timeoutConfig={"maxLifetimeTimeoutMinutes": 721})
    out["validation"] = "accepted"
except ClientError as e:
    out["validation"] = e.response["Error"]["Code"]

print(json.dumps(out, sort_keys=True))
