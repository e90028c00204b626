/**
 * @module normalize/mobile-ad-id
 * The `hashed_maids` rule.
 */

import { cleanText } from './rule-helpers.js';

/**
 * Normalizes a mobile advertising id (Android GAID or Apple IDFA) for `hashed_maids`: trimmed and
 * lowercased, hyphens kept (`6d92078a-8246-4ba4-ae5b-76104861e7dc`).
 *
 * Assumption: Pinterest does not state the case or format it hashes. Both ids are UUIDs; the
 * lowercase, hyphenated form is what the device APIs return on Android and what partner
 * integrations (Segment, Stape) send, so it is the form most likely to match. The format is not
 * checked, so other device id schemes still pass.
 *
 * @throws {NormalizationError} rule `empty`.
 * @example
 * normalizeMobileAdId('6D92078A-8246-4BA4-AE5B-76104861E7DC');
 * // '6d92078a-8246-4ba4-ae5b-76104861e7dc'
 */
export function normalizeMobileAdId(raw: string): string {
  return cleanText('hashed_maids', raw);
}
