/**
 * @module validate/hints
 * What to say about an unknown field. Pinterest answers an extra property with a bare HTTP 400, so
 * the validator names the field and, for the mistakes that keep recurring (names from the Tag,
 * from Meta's API, or from blog posts), says where the data belongs instead.
 */

/** The object an unknown field was found in. */
export type HintLevel =
  | 'body'
  | 'event'
  | 'user_data'
  | 'custom_data'
  | 'contents'
  | 'app_info'
  | 'device_info'
  | 'checkout'
  | 'checkout_item';

const ANYWHERE: Readonly<Record<string, string>> = {
  dedup_key:
    'Pinterest has no dedup_key; put the id in event_id, the same id the Pinterest Tag sends',
  order_quantity: "order_quantity is the Tag's name; the API uses custom_data.num_items",
  tag_id: 'tag_id is not part of the API: the Tag id belongs in the browser only',
  events_created: 'events_created is a response field in some blog posts, not a request field',
  line_items: "line_items is the Tag's name; the API uses custom_data.contents",
};

const CUSTOM_DATA_KEYS = [
  'value',
  'currency',
  'content_ids',
  'contents',
  'num_items',
  'order_id',
  'search_string',
  'opt_out_type',
  'predicted_ltv',
];
const USER_DATA_KEYS = ['em', 'ph', 'hashed_maids', 'client_ip_address', 'client_user_agent'];

const BY_LEVEL: Readonly<Record<HintLevel, Readonly<Record<string, string>>>> = {
  body: {
    event: 'events go in the data array: {"data": [event, ...]}',
    events: 'events go in "data", not "events"',
    test: 'test mode is the query parameter ?test=true, not a body field',
  },
  event: {
    ...Object.fromEntries(CUSTOM_DATA_KEYS.map((key) => [key, `${key} belongs in custom_data`])),
    ...Object.fromEntries(USER_DATA_KEYS.map((key) => [key, `${key} belongs in user_data`])),
    advertiser_tracking_enabled: 'not a field of the v5.23.0 event schema, which is closed',
    event_source: 'use action_source (web, app_android, app_ios or offline)',
  },
  user_data: {
    email: 'use em: an array of SHA-256 hashes of the normalized email',
    phone: 'use ph: an array of SHA-256 hashes of the normalized phone',
    ip: 'use client_ip_address',
    ip_address: 'use client_ip_address',
    user_agent: 'use client_user_agent',
    epik: 'use click_id for the _epik value',
    first_name: 'use fn (hashed)',
    last_name: 'use ln (hashed)',
    city: 'use ct (hashed)',
    state: 'use st (hashed)',
    zip: 'use zp (hashed)',
    gender: 'use ge (hashed)',
    maid: 'use hashed_maids (hashed)',
    idfa: 'use hashed_maids (hashed)',
    gaid: 'use hashed_maids (hashed)',
  },
  custom_data: {
    total: 'use value',
    quantity: 'use num_items for the total units',
    content_type: "content_type is Meta's field; Pinterest has no such field",
  },
  contents: {
    product_id: "product_id is the Tag's name; the API uses id",
    product_price: "product_price is the Tag's name; the API uses item_price",
    product_quantity: "product_quantity is the Tag's name; the API uses quantity",
    product_name: "product_name is the Tag's name; the API uses item_name",
    product_category: "product_category is the Tag's name; the API uses item_category",
    product_brand: "product_brand is the Tag's name; the API uses item_brand",
    price: 'use item_price (a decimal string)',
    name: 'use item_name',
  },
  app_info: {},
  device_info: {},
  checkout: {
    total: 'use value',
    amount: 'use value',
    products: "use items (or the Tag's line_items)",
    email_address: 'use email',
    phone_number: 'use phone',
    ip_address: 'use ip',
    client_ip_address: 'use ip',
    client_user_agent: 'use user_agent',
    epik: 'use click_id for the _epik value',
    event_source_url: 'use source_url',
    postal_code: 'use zip',
    num_items: 'use order_quantity, or give items with quantities',
  },
  checkout_item: {
    sku: 'use id',
    product_id: "use id in items (product_id belongs in the Tag's line_items)",
    unit_price: 'use price',
    item_price: 'use price',
    title: 'use name',
  },
};

/** The message for an unknown field: the key (never a value) and a hint when one is known. */
export function unknownFieldMessage(key: string, level: HintLevel): string {
  const hint = lookup(BY_LEVEL[level], key) ?? lookup(ANYWHERE, key);
  const base = `unknown field "${key}"`;
  if (hint !== undefined) return `${base}: ${hint}`;
  // Pinterest leaves user_data open and ignores extras, but a misnamed key there usually holds
  // personal data that would travel unhashed; every other level is closed and answers HTTP 400.
  if (level === 'user_data') {
    return `${base}: not a user_data key; Pinterest ignores it and it may carry unhashed personal data`;
  }

  if (level === 'checkout' || level === 'checkout_item') {
    return `${base}: not a checkout field (unknown fields are reported, never silently dropped)`;
  }

  return `${base}: Pinterest rejects fields its schema does not define (HTTP 400)`;
}

function lookup(table: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
