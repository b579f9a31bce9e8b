#!/usr/bin/env python3
"""Verify a Standard Webhooks signature (Herald's default scheme). Exit 0 when valid, 1 when not.

usage: standard.py SECRET WEBHOOK_ID WEBHOOK_TIMESTAMP WEBHOOK_SIGNATURE BODY_FILE
"""
import base64, hashlib, hmac, sys, time

def verify(secret: str, msg_id: str, timestamp: str, signature_header: str, body: bytes, tolerance: int = 300) -> bool:
    if abs(time.time() - int(timestamp)) > tolerance:
        return False  # stale or from the future: a replay
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    # Several signatures are sent while a secret is being rotated: any one may match.
    for entry in signature_header.split(" "):
        version, _, value = entry.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False

if __name__ == "__main__":
    secret, msg_id, timestamp, signature, body_file = sys.argv[1:6]
    with open(body_file, "rb") as f:
        sys.exit(0 if verify(secret, msg_id, timestamp, signature, f.read()) else 1)
