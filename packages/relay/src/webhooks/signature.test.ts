import { createHmac } from 'node:crypto';
import { WebhookSignatureError } from '@pinterest-capi/sdk';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';

import {
  STRIPE_TOLERANCE_SECONDS,
  secretList,
  signWebhook,
  verifyWebhookSignature,
} from './signature.js';

const BODY = Buffer.from('{"id":820982911946154508,"email":"jon@example.com"}', 'utf8');
const SECRET = 'hush-0123456789abcdef';
const T = 1_768_478_400;
const NOW = T * 1000;

function verifyError(run: () => unknown): WebhookSignatureError {
  try {
    run();
  } catch (error) {
    if (error instanceof WebhookSignatureError) return error;
    throw error;
  }

  throw new Error('expected a WebhookSignatureError');
}

describe('signWebhook', () => {
  it('signs Shopify and WooCommerce bodies with a base64 HMAC-SHA256 of the raw bytes', () => {
    const expected = createHmac('sha256', SECRET).update(BODY).digest('base64');

    expect(signWebhook('shopify', BODY, SECRET)).toEqual({ 'x-shopify-hmac-sha256': expected });
    expect(signWebhook('woocommerce', BODY, SECRET)).toEqual({
      'x-wc-webhook-signature': expected,
    });
  });

  it('signs a Stripe body exactly as the official stripe package does', () => {
    const payload = BODY.toString('utf8');

    const ours = signWebhook('stripe', payload, 'whsec_test_secret', { timestamp: T });
    const theirs = Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: 'whsec_test_secret',
      timestamp: T,
    });

    expect(ours).toEqual({ 'stripe-signature': theirs });
  });
});

describe('verifyWebhookSignature', () => {
  it.each(['shopify', 'woocommerce', 'stripe'] as const)(
    'accepts a %s body signed with the secret',
    (platform) => {
      const header = Object.values(signWebhook(platform, BODY, SECRET, { timestamp: T }))[0];

      const index = verifyWebhookSignature(platform, [SECRET], { body: BODY, header, now: NOW });

      expect(index).toBe(0);
    },
  );

  it.each(['shopify', 'woocommerce', 'stripe'] as const)(
    'refuses a %s body changed by one byte, naming re-serialisation and the secret',
    (platform) => {
      const header = Object.values(signWebhook(platform, BODY, SECRET, { timestamp: T }))[0];
      const tampered = Buffer.from(BODY.toString('utf8').replace('jon@', 'jan@'), 'utf8');

      const error = verifyError(() =>
        verifyWebhookSignature(platform, [SECRET], { body: tampered, header, now: NOW }),
      );

      expect(error.code).toBe('CAPI_ERR_WEBHOOK_SIGNATURE');
      expect(error.message).toContain('byte for byte');
      expect(error.message).toContain('secret must be');
      expect(error.message).not.toContain(SECRET);
    },
  );

  it('refuses a body signed with another secret', () => {
    const header = signWebhook('shopify', BODY, 'another-secret')['x-shopify-hmac-sha256'];

    const error = verifyError(() =>
      verifyWebhookSignature('shopify', [SECRET], { body: BODY, header, now: NOW }),
    );

    expect(error.message).toMatch(/^the x-shopify-hmac-sha256 signature does not match/);
  });

  it('refuses a request without the signature header, naming the header', () => {
    const error = verifyError(() =>
      verifyWebhookSignature('woocommerce', [SECRET], { body: BODY, header: undefined, now: NOW }),
    );

    expect(error.message).toContain('x-wc-webhook-signature header is missing');
  });

  it('refuses a signature of the right length but other bytes', () => {
    const real = signWebhook('shopify', BODY, SECRET)['x-shopify-hmac-sha256'] ?? '';
    const forged = `${real.startsWith('A') ? 'B' : 'A'}${real.slice(1)}`;

    const error = verifyError(() =>
      verifyWebhookSignature('shopify', [SECRET], { body: BODY, header: forged, now: NOW }),
    );

    expect(error.message).toContain('does not match');
  });

  it('finds which of several secrets signed, for a rotation', () => {
    const header = signWebhook('stripe', BODY, 'whsec_new', { timestamp: T })['stripe-signature'];

    const index = verifyWebhookSignature('stripe', ['whsec_old', 'whsec_new'], {
      body: BODY,
      header,
      now: NOW,
    });

    expect(index).toBe(1);
  });

  it('accepts a Stripe header carrying several v1 signatures while Stripe rolls its secret', () => {
    const signature = (secret: string) =>
      createHmac('sha256', secret).update(`${T}.`).update(BODY).digest('hex');
    const header = `t=${T},v1=${signature('whsec_rolled')},v1=${signature('whsec_current')},v0=ab`;

    const index = verifyWebhookSignature('stripe', ['whsec_current'], {
      body: BODY,
      header,
      now: NOW,
    });

    expect(index).toBe(0);
  });

  it('accepts a Stripe signature made by the official stripe package', () => {
    const header = Stripe.webhooks.generateTestHeaderString({
      payload: BODY.toString('utf8'),
      secret: SECRET,
      timestamp: T,
    });

    expect(verifyWebhookSignature('stripe', [SECRET], { body: BODY, header, now: NOW })).toBe(0);
  });

  it('refuses a genuine Stripe signature older than the tolerance, naming the clock', () => {
    const header = signWebhook('stripe', BODY, SECRET, { timestamp: T })['stripe-signature'];
    const later = NOW + (STRIPE_TOLERANCE_SECONDS + 1) * 1000;

    const error = verifyError(() =>
      verifyWebhookSignature('stripe', [SECRET], { body: BODY, header, now: later }),
    );

    expect(error.message).toContain('301 s away');
    expect(error.message).toContain('clock');
  });

  it('accepts a Stripe signature at the edge of the tolerance, in either direction', () => {
    const header = signWebhook('stripe', BODY, SECRET, { timestamp: T })['stripe-signature'];
    const verify = (now: number) =>
      verifyWebhookSignature('stripe', [SECRET], { body: BODY, header, now });

    expect(verify(NOW + STRIPE_TOLERANCE_SECONDS * 1000)).toBe(0);
    expect(verify(NOW - STRIPE_TOLERANCE_SECONDS * 1000)).toBe(0);
  });

  it('honours a tolerance given by the caller', () => {
    const header = signWebhook('stripe', BODY, SECRET, { timestamp: T })['stripe-signature'];

    const error = verifyError(() =>
      verifyWebhookSignature('stripe', [SECRET], {
        body: BODY,
        header,
        now: NOW + 11_000,
        toleranceSeconds: 10,
      }),
    );

    expect(error.message).toContain('at most 10 s');
  });

  it.each([
    ['no timestamp', 'v1=abc'],
    ['no v1 signature', `t=${T},v0=abc`],
    ['a timestamp that is not a number', 't=soon,v1=abc'],
  ])('refuses a Stripe header with %s', (_case, header) => {
    const error = verifyError(() =>
      verifyWebhookSignature('stripe', [SECRET], { body: BODY, header, now: NOW }),
    );

    expect(error.message).toContain('no t= timestamp or no v1= signature');
  });

  it('checks the signature before the timestamp, so a forged stale request reads as forged', () => {
    const header = `t=${T - 3600},v1=${'0'.repeat(64)}`;

    const error = verifyError(() =>
      verifyWebhookSignature('stripe', [SECRET], { body: BODY, header, now: NOW }),
    );

    expect(error.message).toContain('does not match');
  });
});

describe('secretList', () => {
  it('splits Stripe and Shopify secrets on commas and takes a WooCommerce secret whole', () => {
    expect(secretList('stripe', 'whsec_a, whsec_b')).toEqual(['whsec_a', 'whsec_b']);
    expect(secretList('shopify', 'shpss_one')).toEqual(['shpss_one']);
    expect(secretList('woocommerce', 'a,b c')).toEqual(['a,b c']);
    expect(secretList('stripe', undefined)).toEqual([]);
  });
});
