/**
 * @module webhooks/woocommerce
 * A WooCommerce order webhook (`order.created`, `order.updated`; the REST API v3 order as the body)
 * as a plain checkout, once the order is paid. An order is created unpaid and updated several
 * times; every delivery of a paid order maps to the same event id, so it is stored once.
 */
import type { CheckoutItem } from '@pinterest-capi/sdk';

import { divideDecimal, subtractDecimals } from './money.js';
import {
  arrayAt,
  compact,
  compactItems,
  firstText,
  ignored,
  numberAt,
  objectAt,
  textAt,
} from './payload.js';
import type { JsonObject, WebhookReading } from './payload.js';

export const WOOCOMMERCE_CHECKOUT_TOPICS: ReadonlySet<string> = new Set([
  'order.created',
  'order.updated',
]);

/**
 * Order statuses in which the customer has paid: `processing` (paid, to be shipped) and
 * `completed`. `pending` and `on-hold` (awaiting a transfer) are not paid yet; `cancelled`,
 * `refunded` and `failed` never count.
 */
export const WOOCOMMERCE_PAID_STATUSES: ReadonlySet<string> = new Set(['processing', 'completed']);

/**
 * The body WooCommerce sends, unsigned, when a webhook is saved: `webhook_id=<id>`. It must be
 * answered 200 or WooCommerce refuses to activate the webhook.
 */
const PING_BODY = /^webhook_id=\d+$/;

/** True for WooCommerce's activation ping. */
export function isWooCommercePing(body: Uint8Array): boolean {
  return body.length < 64 && PING_BODY.test(Buffer.from(body).toString('latin1').trim());
}

/**
 * Reads a WooCommerce webhook. `topic` is the `X-WC-Webhook-Topic` header.
 *
 * Mapping: `order_id` ← `id` (the post id, not the display `number`); `value` ← `total` −
 * `total_tax` − `shipping_total` (after discounts, fees included, before tax and shipping);
 * `currency` ← `currency`; `items` ← `line_items` (`variation_id` or `product_id`, `subtotal` /
 * `quantity` as the pre-discount unit price, `quantity`, `parent_name` or `name`); `email`,
 * `phone`, names, `city`, `state`, `zip` (`postcode`), `country` ← `billing`; `external_id` ←
 * `customer_id` (guests have 0: none); `ip` ← `customer_ip_address`; `user_agent` ←
 * `customer_user_agent`; `event_id` and `click_id` ← order meta `_pinterest_event_id`,
 * `_pinterest_click_id`; the advertising consent ← order meta `_pinterest_consent`; `event_time`
 * ← `date_created_gmt`. WooCommerce has no test-order flag,
 * so no order is flagged.
 */
export function readWooCommerceWebhook(
  topic: string | undefined,
  body: JsonObject,
): WebhookReading {
  if (topic === undefined || !WOOCOMMERCE_CHECKOUT_TOPICS.has(topic)) {
    return ignored(
      'this WooCommerce topic is not a checkout (order.created and order.updated are)',
    );
  }

  const status = textAt(body['status']);
  if (status === undefined || !WOOCOMMERCE_PAID_STATUSES.has(status)) {
    return ignored(
      'the order is not paid (status is not processing or completed); ' +
        'it is sent when an update shows it paid',
    );
  }

  const consent = orderMeta(body['meta_data']).get('_pinterest_consent');
  return { kind: 'checkout', checkout: orderCheckout(body), test: false, consent };
}

function orderCheckout(order: JsonObject) {
  const billing = objectAt(order['billing']) ?? {};
  const meta = orderMeta(order['meta_data']);
  const customerId = numberAt(order['customer_id']);
  const created = textAt(order['date_created_gmt']);
  const fields = compact({
    currency: textAt(order['currency']),
    items: compactItems(arrayAt(order['line_items']).map(lineItem)),
    email: textAt(billing['email']),
    phone: textAt(billing['phone']),
    first_name: textAt(billing['first_name']),
    last_name: textAt(billing['last_name']),
    city: textAt(billing['city']),
    state: textAt(billing['state']),
    zip: textAt(billing['postcode']),
    country: textAt(billing['country']),
    external_id: customerId !== undefined && customerId > 0 ? String(customerId) : undefined,
    ip: textAt(order['customer_ip_address']),
    user_agent: textAt(order['customer_user_agent']),
    event_id: meta.get('_pinterest_event_id'),
    click_id: meta.get('_pinterest_click_id'),
    // The `_gmt` dates are UTC but written without an offset, which the SDK rightly refuses.
    event_time: created === undefined ? undefined : `${created}Z`,
  });
  const value = subtractDecimals(order['total'], order['total_tax'], order['shipping_total']);
  // A missing id or total stays blank, so the SDK reports it as required.
  return { ...fields, order_id: textAt(order['id']) ?? '', value: value ?? '' };
}

function orderMeta(value: unknown): Map<string, string> {
  const meta = new Map<string, string>();
  for (const entry of arrayAt(value)) {
    const field = objectAt(entry);
    const key = textAt(field?.['key']);
    const text = textAt(field?.['value']);
    if (key !== undefined && text !== undefined) meta.set(key, text);
  }

  return meta;
}

function lineItem(value: unknown): CheckoutItem {
  const line = objectAt(value) ?? {};
  const quantity = numberAt(line['quantity']);
  const variation = numberAt(line['variation_id']);
  return compact({
    id: variation !== undefined && variation > 0 ? String(variation) : textAt(line['product_id']),
    price: quantity === undefined ? undefined : divideDecimal(line['subtotal'], quantity),
    quantity,
    name: firstText(line['parent_name'], line['name']),
  });
}
