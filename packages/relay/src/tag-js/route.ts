/**
 * @module tag-js/route
 * `GET /tag.js`: the browser helper for stores that cannot bundle it, built once per process and
 * served with a validator (ETag), an hour of caching, gzip when accepted, and the headers a
 * cross-origin `<script src>` (with or without `integrity`) needs.
 */
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply } from 'fastify';

import { buildTagScript } from './sources.js';
import type { TagScript } from './sources.js';

export interface TagJsRouteOptions {
  /** Produces the script. @default the SDK's browser entry, linked ({@link buildTagScript}) */
  build?: () => Promise<TagScript>;
  /** Seconds browsers and CDNs may reuse the script without asking. @default 3600 */
  maxAgeSeconds?: number;
}

interface Prepared {
  body: string;
  gzipped: Buffer;
  etag: string;
}

/** Registers `GET /tag.js` (and `HEAD`). The script is built on first request and kept. */
export function registerTagJsRoute(app: FastifyInstance, options: TagJsRouteOptions = {}): void {
  const build = options.build ?? buildTagScript;
  const cacheControl = `public, max-age=${options.maxAgeSeconds ?? 3600}`;
  let prepared: Promise<Prepared> | undefined;
  const load = () => {
    prepared ??= build().then(prepare, (error: unknown) => {
      // Not cached: a later request tries again (e.g. after the SDK was built).
      prepared = undefined;
      throw error;
    });
    return prepared;
  };

  app.get('/tag.js', async (request, reply) => {
    const script = await load();
    setCommonHeaders(reply, script.etag, cacheControl);
    if (matchesEtag(request.headers['if-none-match'], script.etag)) return reply.code(304).send();

    reply.type('text/javascript; charset=utf-8');
    if (/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) {
      return reply.header('content-encoding', 'gzip').send(script.gzipped);
    }

    return reply.send(script.body);
  });
}

function prepare(script: TagScript): Prepared {
  // Weak: the gzip and identity bodies are the same script, so one validator serves both.
  return { body: script.body, gzipped: gzipSync(script.body), etag: `W/"${script.digest}"` };
}

function setCommonHeaders(reply: FastifyReply, etag: string, cacheControl: string): void {
  reply
    .header('etag', etag)
    .header('cache-control', cacheControl)
    .header('vary', 'accept-encoding')
    // Lets a store pin the script with `integrity` + `crossorigin`, and load it under COEP.
    .header('access-control-allow-origin', '*')
    .header('cross-origin-resource-policy', 'cross-origin')
    .header('x-content-type-options', 'nosniff');
}

/** RFC 9110 weak comparison against an `If-None-Match` list (or `*`). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}
