/**
 * @module webhooks/shopify
 * A Shopify order webhook (`orders/create`, `orders/paid`; the REST order resource as the body) as
 * a plain checkout. Both topics map to the same event id, so an order announced by both, or
 * redelivered, is stored once.
 */
import type { CheckoutItem } from '@pinterest-capi/sdk';

import {
  arrayAt,
  compact,
  compactItems,
  firstText,
  ignored,
  languageOf,
  numberAt,
  objectAt,
  textAt,
} from './payload.js';
import type { JsonObject, WebhookReading } from './payload.js';

/** The topics that announce a checkout. Every other topic is acknowledged and ignored. */
export const SHOPIFY_CHECKOUT_TOPICS: ReadonlySet<string> = new Set([
  'orders/create',
  'orders/paid',
]);

/** Payment states in which the order no longer stands as a purchase. */
const VOID_FINANCIAL_STATUSES: ReadonlySet<string> = new Set(['voided', 'refunded']);

/**
 * Reads a Shopify webhook. `topic` is the `X-Shopify-Topic` header.
 *
 * Mapping: `order_id` ← `id`; `value` ← `subtotal_price` (after discounts, before shipping and
 * taxes; taxes included when the shop enters prices with tax); `currency` ← `currency` (the
 * shop's);
 * `items` ← `line_items` (`product_id`, `price`, `quantity`, `title`, `vendor` as brand);
 * `email` ← `email`, `contact_email`, `customer.email`; `phone` ← `phone`, `billing_address.phone`,
 * `customer.phone`; names and address ← `billing_address` (else `customer` names);
 * `external_id` ← `customer.id`; `ip` ← `browser_ip`; `user_agent` ← `client_details.user_agent`;
 * `event_id` and `click_id` ← note attributes `pinterest_event_id`, `pinterest_click_id`;
 * the advertising consent ← note attribute `pinterest_consent`;
 * `event_time` ← `processed_at`; `language` ← `customer_locale`; `action_source` is `offline`
 * for point-of-sale orders. Test orders (`test: true`) are flagged.
 */
export function readShopifyWebhook(topic: string | undefined, body: JsonObject): WebhookReading {
  if (topic === undefined || !SHOPIFY_CHECKOUT_TOPICS.has(topic)) {
    return ignored('this Shopify topic is not a checkout (orders/create and orders/paid are)');
  }

  if (body['cancelled_at'] !== null && body['cancelled_at'] !== undefined) {
    return ignored('the order is cancelled');
  }

  const financial = textAt(body['financial_status']);
  if (financial !== undefined && VOID_FINANCIAL_STATUSES.has(financial)) {
    return ignored('the order is refunded or voided');
  }

  const consent = noteAttributes(body['note_attributes']).get('pinterest_consent');
  return { kind: 'checkout', checkout: orderCheckout(body), test: body['test'] === true, consent };
}

function orderCheckout(order: JsonObject) {
  const attributes = noteAttributes(order['note_attributes']);
  const customer = objectAt(order['customer']) ?? {};
  const billing = objectAt(order['billing_address']) ?? {};
  const client = objectAt(order['client_details']) ?? {};
  const fields = compact({
    currency: textAt(order['currency']),
    items: compactItems(arrayAt(order['line_items']).map(lineItem)),
    email: firstText(order['email'], order['contact_email'], customer['email']),
    phone: firstText(order['phone'], billing['phone'], customer['phone']),
    first_name: firstText(billing['first_name'], customer['first_name']),
    last_name: firstText(billing['last_name'], customer['last_name']),
    city: textAt(billing['city']),
    state: firstText(billing['province_code'], billing['province']),
    zip: textAt(billing['zip']),
    country: firstText(billing['country_code'], billing['country']),
    external_id: textAt(customer['id']),
    ip: firstText(order['browser_ip'], client['browser_ip']),
    user_agent: textAt(client['user_agent']),
    event_id: attributes.get('pinterest_event_id'),
    click_id: attributes.get('pinterest_click_id'),
    event_time: firstText(order['processed_at'], order['created_at']),
    language: languageOf(order['customer_locale']),
    action_source: textAt(order['source_name']) === 'pos' ? ('offline' as const) : undefined,
  });
  // A missing id or subtotal stays blank, so the SDK reports it as required.
  return {
    ...fields,
    order_id: textAt(order['id']) ?? '',
    value: textAt(order['subtotal_price']) ?? '',
  };
}

/** Cart attributes set on the storefront arrive as the order's `note_attributes`. */
function noteAttributes(value: unknown): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const entry of arrayAt(value)) {
    const attribute = objectAt(entry);
    const name = textAt(attribute?.['name']);
    const text = textAt(attribute?.['value']);
    if (name !== undefined && text !== undefined) attributes.set(name, text);
  }

  return attributes;
}

function lineItem(value: unknown): CheckoutItem {
  const line = objectAt(value) ?? {};
  // Custom line items have no product; their SKU is the best id left.
  return compact({
    id: firstText(line['product_id'], line['sku']),
    price: textAt(line['price']),
    quantity: numberAt(line['quantity']),
    name: firstText(line['title'], line['name']),
    brand: textAt(line['vendor']),
  });
}
