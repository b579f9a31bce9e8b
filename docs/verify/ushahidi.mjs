// Verify an X-Ushahidi-Signature: base64 HMAC-SHA256 of the endpoint URL followed by the body.
// usage: node ushahidi.mjs SECRET URL SIGNATURE BODY_FILE
import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";

export function verify(secret, url, signature, body) {
  const expected = createHmac("sha256", Buffer.from(secret, "utf8"))
    .update(Buffer.concat([Buffer.from(url, "utf8"), body]))
    .digest();
  const given = Buffer.from(signature, "base64");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const [secret, url, signature, bodyFile] = process.argv.slice(2);
process.exit(verify(secret, url, signature, readFileSync(bodyFile)) ? 0 : 1);
