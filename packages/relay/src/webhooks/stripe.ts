/**
 * @module webhooks/stripe
 * A Stripe event about a Checkout Session as a plain checkout. The order id is the Checkout
 * Session id (`cs_...`): the page knows it too (Stripe puts it in the success URL through
 * `{CHECKOUT_SESSION_ID}`), so a Pinterest Tag on the success page can send the same derived
 * event id, `order-<session id>-checkout`.
 */
import {
  ignored,
  compact,
  firstText,
  languageOf,
  objectAt,
  splitFullName,
  textAt,
} from './payload.js';
import type { JsonObject, WebhookReading } from './payload.js';
import { minorUnitsToDecimal, stripeExponent, subtractDecimals } from './money.js';

const COMPLETED = 'checkout.session.completed';
/** Sent when a delayed payment method (bank debit, voucher) settles after `completed`. */
const ASYNC_PAID = 'checkout.session.async_payment_succeeded';

/**
 * Reads a Stripe event (the whole event object is the body).
 *
 * Counted: `checkout.session.completed` once the payment is made (`payment_status` `paid` or
 * `no_payment_required`), and `checkout.session.async_payment_succeeded`; both give the same
 * event id. Ignored: unpaid sessions (the later async event counts), `setup` mode, other types.
 *
 * Mapping: `order_id` ← session `id`; `value` ← `amount_total` − `total_details.amount_tax` −
 * `total_details.amount_shipping` (after discounts, before tax and shipping), else
 * `amount_subtotal`, converted from minor units with the currency's exponent (JPY 0, KWD 3, most
 * 2); `currency` ← `currency`; `email` ← `customer_details.email`, `customer_email`; `phone` ←
 * `customer_details.phone`; first and last name ← the first and last word of
 * `customer_details.name`; address ← `customer_details.address`; `external_id` ← `customer`;
 * `event_id` and `click_id` ← `metadata.pinterest_event_id`, `metadata.pinterest_click_id`;
 * the advertising consent ← `metadata.pinterest_consent`;
 * `event_time` ← the event's `created`; `language` ← `locale`. Line items are not part of the
 * event (Stripe sends them only when fetched with an API key), so no `items` or `num_items`; the
 * buyer's IP and user agent are not available either. `livemode: false` flags a test order.
 */
export function readStripeEvent(body: JsonObject): WebhookReading {
  const type = textAt(body['type']);
  if (type !== COMPLETED && type !== ASYNC_PAID) {
    return ignored('this Stripe event type is not a completed Checkout Session');
  }

  const session = objectAt(objectAt(body['data'])?.['object']) ?? {};
  if (textAt(session['mode']) === 'setup') {
    return ignored('a setup-mode Checkout Session saves a payment method; nothing was bought');
  }

  if (type === COMPLETED && textAt(session['payment_status']) === 'unpaid') {
    return ignored(
      'the payment is still pending; the checkout is recorded on ' +
        'checkout.session.async_payment_succeeded',
    );
  }

  const test = body['livemode'] === false || session['livemode'] === false;
  const consent = textAt(objectAt(session['metadata'])?.['pinterest_consent']);
  const checkout = sessionCheckout(session, body['created']);
  return { kind: 'checkout', checkout, test, consent };
}

function sessionCheckout(session: JsonObject, created: unknown) {
  const details = objectAt(session['customer_details']) ?? {};
  const address = objectAt(details['address']) ?? {};
  const metadata = objectAt(session['metadata']) ?? {};
  const name = splitFullName(details['name']);
  const currency = textAt(session['currency']);
  const fields = compact({
    currency,
    email: firstText(details['email'], session['customer_email']),
    phone: textAt(details['phone']),
    first_name: name.first,
    last_name: name.last,
    city: textAt(address['city']),
    state: textAt(address['state']),
    zip: textAt(address['postal_code']),
    country: textAt(address['country']),
    external_id: firstText(session['customer'], objectAt(session['customer'])?.['id']),
    event_id: textAt(metadata['pinterest_event_id']),
    click_id: textAt(metadata['pinterest_click_id']),
    event_time: typeof created === 'number' ? created : undefined,
    language: languageOf(session['locale']),
  });
  // A missing id or amount stays blank, so the SDK reports it as required.
  const value = currency === undefined ? undefined : sessionValue(session, currency);
  return { ...fields, order_id: textAt(session['id']) ?? '', value: value ?? '' };
}

/** The session's value before tax and shipping, after discounts, as a decimal string. */
function sessionValue(session: JsonObject, currency: string): string | undefined {
  const exponent = stripeExponent(currency);
  const totals = objectAt(session['total_details']);
  const total = minorUnitsToDecimal(session['amount_total'], exponent);
  if (totals !== undefined && total !== undefined) {
    const tax = minorUnitsToDecimal(totals['amount_tax'], exponent);
    const shipping = minorUnitsToDecimal(totals['amount_shipping'], exponent);
    return subtractDecimals(total, tax, shipping);
  }

  return minorUnitsToDecimal(session['amount_subtotal'], exponent) ?? total;
}
