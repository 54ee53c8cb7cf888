"""Resolves credentials with the official default chain of alibabacloud-credentials (Python), in the environment
this process was started with, and prints them as one JSON line: {"access_key_id", "access_key_secret",
"security_token"}, or {"error": "..."} when the chain finds nothing.

The library reads its environment variables when it is imported, so the caller sets them before starting this.
It has no override for the instance-metadata address, so this refuses to run unless the metadata provider is
turned off."""
import json
import os
import sys

if os.environ.get("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "").lower() != "true":
    sys.exit("refusing to run: set ALIBABA_CLOUD_ECS_METADATA_DISABLED=true (the library would call 100.100.100.200)")

from alibabacloud_credentials.client import Client  # noqa: E402  (after the environment check, on purpose)

try:
    credential = Client().get_credential()
    print(json.dumps({
        "access_key_id": credential.access_key_id,
        "access_key_secret": credential.access_key_secret,
        "security_token": credential.security_token,
    }))
except Exception as e:  # the chain's error: only whether it failed is compared
    print(json.dumps({"error": type(e).__name__}))
