// Verify a Standard Webhooks signature (Herald's default scheme) with Node's crypto. Exit 0 when valid.
// usage: node standard.mjs SECRET WEBHOOK_ID WEBHOOK_TIMESTAMP WEBHOOK_SIGNATURE BODY_FILE
import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";

export function verify(secret, msgId, timestamp, signatureHeader, body, toleranceSeconds = 300) {
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key)
    .update(Buffer.concat([Buffer.from(`${msgId}.${timestamp}.`), body]))
    .digest();
  // During a rotation the header holds several "v1,<base64>" entries: any one may match.
  return signatureHeader.split(" ").some((entry) => {
    const [version, value] = entry.split(",");
    const given = Buffer.from(value ?? "", "base64");
    return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

const [secret, msgId, timestamp, signature, bodyFile] = process.argv.slice(2);
process.exit(verify(secret, msgId, timestamp, signature, readFileSync(bodyFile)) ? 0 : 1);
