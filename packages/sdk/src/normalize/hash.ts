/**
 * @module normalize/hash
 * SHA-256 as Pinterest expects it for `user_data`: over the UTF-8 bytes of the NFC form of the
 * normalized string, written as 64 lowercase hex characters.
 */

import { hash } from 'node:crypto';

const SHA256_HEX = /^[0-9a-f]{64}$/i;
const ASCII_ONLY = /^\p{ASCII}*$/u;

/**
 * Hashes a string with SHA-256 after Unicode NFC normalization, as lowercase hex.
 *
 * NFC comes first because the same visible text can arrive precomposed (`é`) or decomposed
 * (`e` + U+0301), and the two forms hash differently; NFC is the form keyboards and most stores
 * produce. The value is not trimmed or lowercased here: that is each key's normalization rule.
 *
 * @example
 * sha256Hex('test@example.com');
 * // '973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b'
 */
export function sha256Hex(value: string): string {
  // One-shot `hash()` skips the Hash object that `createHash` allocates: about twice as fast.
  return hash('sha256', toNfc(value), 'hex');
}

/**
 * `value.normalize('NFC')`, skipped for ASCII text, which is always in NFC: most identifiers
 * (emails, phones, zips) are ASCII, and the test costs half of what `normalize` does.
 */
export function toNfc(value: string): string {
  return ASCII_ONLY.test(value) ? value : value.normalize('NFC');
}

/**
 * True when the value is exactly 64 hexadecimal characters (either case), i.e. looks like a
 * SHA-256 digest that is already hashed. Surrounding whitespace makes it false.
 */
export function isSha256Hex(value: string): boolean {
  return value.length === 64 && SHA256_HEX.test(value);
}
