import { request as httpRequest } from 'node:http';
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';

import { registerTagJsRoute } from './route.js';
import type { TagJsRouteOptions } from './route.js';

const SCRIPT = { body: 'globalThis.pinterestCapi = {};\n', digest: 'abc123' };

async function serve(options: TagJsRouteOptions = { build: () => Promise.resolve(SCRIPT) }) {
  const app = Fastify();
  registerTagJsRoute(app, options);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  onTestFinished(() => app.close());
  return url;
}

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A request without fetch's automatic decompression, to see the bytes sent. */
function get(url: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks),
        });
      });
    });
    request.on('error', reject);
    request.end();
  });
}

describe('GET /tag.js', () => {
  it('serves the script as JavaScript with a validator and an hour of caching', async () => {
    const url = await serve();

    const answer = await get(`${url}/tag.js`);

    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toBe(SCRIPT.body);
    expect(answer.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      etag: 'W/"abc123"',
      'cache-control': 'public, max-age=3600',
      vary: 'accept-encoding',
      'access-control-allow-origin': '*',
      'cross-origin-resource-policy': 'cross-origin',
      'x-content-type-options': 'nosniff',
    });
  });

  it.each(['W/"abc123"', '"abc123"', '"other", W/"abc123"', '*'])(
    'answers 304 without a body to If-None-Match %s',
    async (ifNoneMatch) => {
      const url = await serve();

      const answer = await get(`${url}/tag.js`, { 'if-none-match': ifNoneMatch });

      expect(answer.status).toBe(304);
      expect(answer.body).toHaveLength(0);
      expect(answer.headers).toMatchObject({
        etag: 'W/"abc123"',
        'cache-control': 'public, max-age=3600',
      });
    },
  );

  it('serves the script again when the validator is stale', async () => {
    const url = await serve();

    const answer = await get(`${url}/tag.js`, { 'if-none-match': 'W/"older"' });

    expect(answer.status).toBe(200);
  });

  it('sends the script gzipped to a client that accepts gzip', async () => {
    const url = await serve();

    const answer = await get(`${url}/tag.js`, { 'accept-encoding': 'br, gzip' });

    expect(answer.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(answer.body).toString()).toBe(SCRIPT.body);
  });

  it('builds the script once for all requests', async () => {
    let builds = 0;
    const url = await serve({
      build: () => Promise.resolve({ ...SCRIPT, digest: `v${++builds}` }),
    });

    await Promise.all([get(`${url}/tag.js`), get(`${url}/tag.js`)]);
    const later = await get(`${url}/tag.js`);

    expect(builds).toBe(1);
    expect(later.headers['etag']).toBe('W/"v1"');
  });

  it('answers 500 when the script cannot be built, and tries again on the next request', async () => {
    let attempts = 0;
    const url = await serve({
      build: () =>
        ++attempts === 1 ? Promise.reject(new Error('SDK not built')) : Promise.resolve(SCRIPT),
    });

    const failed = await get(`${url}/tag.js`);
    const retried = await get(`${url}/tag.js`);

    expect(failed.status).toBe(500);
    expect(retried.status).toBe(200);
  });
});
