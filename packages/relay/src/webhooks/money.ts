/**
 * @module webhooks/money
 * Exact decimal arithmetic for order amounts. Platforms send money as decimal strings (Shopify,
 * WooCommerce) or integers in minor units (Stripe); the value Pinterest recommends (pre-tax,
 * pre-shipping) is a difference of those, and a float difference such as 19.99 - 5.33 carries
 * binary noise (14.659999999999998). Amounts are scaled integers (`bigint`) here, so every result
 * is exact.
 */

/** A decimal as digits and a count of decimal places: 29.35 is `{ units: 2935n, scale: 2 }`. */
interface Decimal {
  units: bigint;
  scale: number;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * Currencies whose Stripe amounts are not in hundredths. Stripe's zero-decimal list, and its
 * three-decimal currencies. ISK, HUF and TWD are absent on purpose: Stripe keeps them two-decimal
 * in its API even where the currency has no minor unit in practice.
 */
const STRIPE_EXPONENTS: ReadonlyMap<string, number> = new Map([
  ...'BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF'
    .split(' ')
    .map((code) => [code, 0] as const),
  ...'BHD JOD KWD OMR TND'.split(' ').map((code) => [code, 3] as const),
]);

/** The number of decimal places of a Stripe amount in `currency` (any case): 0, 2 or 3. */
export function stripeExponent(currency: string): number {
  return STRIPE_EXPONENTS.get(currency.toUpperCase()) ?? 2;
}

/**
 * An integer amount in minor units as a decimal string: `(1999, 2)` gives `"19.99"`, `(500, 0)`
 * gives `"500"`, `(12345, 3)` gives `"12.345"`. `undefined` for anything but a safe integer.
 */
export function minorUnitsToDecimal(amount: unknown, exponent: number): string | undefined {
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount)) return undefined;
  return formatDecimal({ units: BigInt(amount), scale: exponent });
}

/**
 * `minuend` minus every subtrahend, exactly, at the largest scale among them: `("58.50", "4.5",
 * "0")` gives `"54.00"`. `undefined` when the minuend is not a plain decimal; a subtrahend that is
 * not one counts as zero, since platforms leave optional amounts empty.
 */
export function subtractDecimals(minuend: unknown, ...subtrahends: unknown[]): string | undefined {
  const start = parseDecimal(minuend);
  if (start === undefined) return undefined;
  const parts = subtrahends.map(parseDecimal).filter((part) => part !== undefined);
  const scale = Math.max(start.scale, ...parts.map((part) => part.scale));
  let units = rescale(start, scale);
  for (const part of parts) units -= rescale(part, scale);
  return formatDecimal({ units, scale });
}

/**
 * `total` divided by a positive integer, rounded half up at the scale of `total` (at least two
 * places): a line of 3 units for "10.00" gives a unit price of `"3.33"`.
 */
export function divideDecimal(total: unknown, divisor: number): string | undefined {
  const parsed = parseDecimal(total);
  if (parsed === undefined || !Number.isSafeInteger(divisor) || divisor < 1) return undefined;
  const scale = Math.max(parsed.scale, 2);
  const scaled = rescale(parsed, scale);
  const big = BigInt(divisor);
  const sign = scaled < 0n ? -1n : 1n;
  const magnitude = scaled * sign;
  const rounded = (magnitude * 2n + big) / (2n * big);
  return formatDecimal({ units: rounded * sign, scale });
}

function parseDecimal(value: unknown): Decimal | undefined {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string') return undefined;
  const match = DECIMAL.exec(text.trim());
  if (!match) return undefined;
  const [, sign = '', whole = '0', fraction = ''] = match;
  return { units: BigInt(`${sign}${whole}${fraction}`), scale: fraction.length };
}

function rescale(decimal: Decimal, scale: number): bigint {
  return decimal.units * 10n ** BigInt(scale - decimal.scale);
}

function formatDecimal({ units, scale }: Decimal): string {
  const sign = units < 0n ? '-' : '';
  const digits = (units < 0n ? -units : units).toString().padStart(scale + 1, '0');
  if (scale === 0) return `${sign}${digits}`;
  return `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}
