#!/usr/bin/env python3
"""Verify an X-Ushahidi-Signature: base64 HMAC-SHA256 of the endpoint URL followed by the body.

usage: ushahidi.py SECRET URL SIGNATURE BODY_FILE
"""
import base64, hashlib, hmac, sys

def verify(secret: str, url: str, signature: str, body: bytes) -> bool:
    # The URL exactly as configured in Herald (scheme, host, path and query), then the raw body.
    expected = base64.b64encode(hmac.new(secret.encode(), url.encode() + body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(signature, expected)

if __name__ == "__main__":
    secret, url, signature, body_file = sys.argv[1:5]
    with open(body_file, "rb") as f:
        sys.exit(0 if verify(secret, url, signature, f.read()) else 1)
