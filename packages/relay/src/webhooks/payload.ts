/**
 * @module webhooks/payload
 * What every platform adapter returns, and small readers for the JSON a platform signed. A signed
 * body is authentic but not necessarily of the shape we expect (a newer API version, a plugin that
 * edits orders), so every field is read defensively: a missing or mistyped field becomes
 * `undefined`, and the SDK's checkout builder names whatever a checkout then lacks.
 */
import type { CheckoutInput, CheckoutItem } from '@pinterest-capi/sdk';

/** An order that is a checkout, as a plain checkout for the SDK. */
export interface CheckoutReading {
  kind: 'checkout';
  checkout: CheckoutInput & { order_id: string };
  /** The platform marks it as a test order (Shopify `test`, Stripe `livemode: false`). */
  test: boolean;
  /**
   * The advertising consent the page left on the order (`pinterest_consent`, see the browser
   * helper), as found; absent means unknown and the tenant's policy for unknown consent applies.
   */
  consent?: string | undefined;
}

/** A webhook that is no checkout: another topic, a refund, an unpaid or cancelled order. */
export interface IgnoredReading {
  kind: 'ignored';
  /** A fixed sentence for the answer and the log; never a value from the body. */
  reason: string;
}

export type WebhookReading = CheckoutReading | IgnoredReading;

export type JsonObject = Readonly<Record<string, unknown>>;

export function ignored(reason: string): IgnoredReading {
  return { kind: 'ignored', reason };
}

/** `value` when it is a JSON object (not an array), else `undefined`. */
export function objectAt(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

/** `value` when it is an array, else an empty one. */
export function arrayAt(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A non-blank string, or a finite number as text (platforms send ids as numbers). */
export function textAt(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** The first of `values` that {@link textAt} reads. */
export function firstText(...values: unknown[]): string | undefined {
  for (const value of values) {
    const text = textAt(value);
    if (text !== undefined) return text;
  }

  return undefined;
}

/** A finite number, or a digit string read as one. */
export function numberAt(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return Number(value);
  return undefined;
}

/**
 * Pinterest's `language` is a two-letter ISO 639-1 code; platforms send locales (`en-CA`, `pt-BR`)
 * or `auto`. The primary subtag is kept when it has two letters.
 */
export function languageOf(locale: unknown): string | undefined {
  const primary = textAt(locale)?.split(/[-_]/)[0]?.toLowerCase();
  return primary !== undefined && /^[a-z]{2}$/.test(primary) ? primary : undefined;
}

/**
 * Splits one "full name" field into first and last name for `fn` and `ln`: the first word and the
 * last word. For "Mary Ann Smith" that gives "Mary" and "Smith", the pair most likely to match
 * what other advertisers send. A single word is not split: it could be either.
 */
export function splitFullName(fullName: unknown): { first?: string; last?: string } {
  const words = textAt(fullName)?.split(/\s+/) ?? [];
  if (words.length < 2) return {};
  const first = words[0];
  const last = words[words.length - 1];
  return first !== undefined && last !== undefined ? { first, last } : {};
}

/** The fields of `T` that may be absent, but are never present as `undefined`. */
export type Compact<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

/** Drops `undefined` fields, so a checkout lists only what the platform sent. */
export function compact<T extends object>(value: T): Compact<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, field]) => field !== undefined),
  ) as Compact<T>;
}

/** Items without any usable field are left out rather than sent as empty objects. */
export function compactItems(items: readonly CheckoutItem[]): CheckoutItem[] | undefined {
  const kept = items.filter((item) => Object.keys(item).length > 0);
  return kept.length > 0 ? kept : undefined;
}
