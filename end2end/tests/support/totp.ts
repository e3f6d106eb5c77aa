// The authenticator app on an admin's phone: RFC 6238 codes (SHA-1, six digits, 30 s).
import { createHmac } from "node:crypto";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** The code the app shows at `at` (milliseconds) for the key typed in by hand. */
export function totp(base32Key: string, at: number = Date.now()): string {
  const bits = [...base32Key.replace(/=+$/, "")]
    .map((c) => BASE32.indexOf(c).toString(2).padStart(5, "0"))
    .join("");
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return ((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).toString().padStart(6, "0");
}

/** Codes change every 30 s: a story starts early in a step so the window stays put. */
export async function earlyInAStep() {
  const into = (Date.now() / 1000) % 30;
  if (into > 22) await new Promise((resolve) => setTimeout(resolve, (31 - into) * 1000));
}
