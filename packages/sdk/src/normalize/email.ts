/**
 * @module normalize/email
 * The `em` rule.
 */

import { cleanText, valueError } from './rule-helpers.js';

// One `@`, a local part without spaces, and a domain of two or more non-empty dot-separated labels.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/u;

/**
 * Normalizes an email address for `em`: trimmed, NFC, lowercased.
 *
 * Gmail dots and `+tags` are kept: Pinterest does not ask for their removal, and removing them
 * would change addresses at providers where they are significant. Internationalized domains stay
 * in Unicode, as the user typed them.
 *
 * @throws {NormalizationError} rule `empty`, or `email_format` when the value is not one `@`
 *   between a non-empty local part and a domain with a dot.
 * @example
 * normalizeEmail('  John.Doe@Example.COM '); // 'john.doe@example.com'
 */
export function normalizeEmail(raw: string): string {
  const email = cleanText('em', raw);
  if (!EMAIL_SHAPE.test(email)) {
    throw valueError('em', 'email_format', 'must be an email address like name@example.com');
  }

  return email;
}
