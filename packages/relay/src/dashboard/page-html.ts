/**
 * @module dashboard/page-html
 * The dashboard's HTML shell. It holds no data: the script asks for a relay API key and reads
 * everything through `/dashboard/api/...` with it. In sandbox mode the page carries the sandbox
 * key (printed by `npm start` anyway), so a newcomer lands straight on live figures.
 */

/** Content-Security-Policy of the page: its own script and style only, no inline code. */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface PageOptions {
  mode: 'live' | 'sandbox';
  /** Prefilled key, sandbox mode only. */
  sandboxApiKey?: string | undefined;
  /** Appended to asset URLs so a new relay version is never served an old cached script. */
  assetVersion: string;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

/** Renders the page; every value is escaped even though none comes from a request. */
export function renderPage(options: PageOptions): string {
  const key = options.mode === 'sandbox' ? (options.sandboxApiKey ?? '') : '';
  const version = encodeURIComponent(options.assetVersion);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>pinterest-capi relay</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/app.css?v=${version}">
</head>
<body data-mode="${escapeHtml(options.mode)}" data-sandbox-key="${escapeHtml(key)}">
<div id="app"><p class="loading">Loading the dashboard…</p></div>
<noscript>The dashboard needs JavaScript.</noscript>
<script src="/dashboard/app.js?v=${version}"></script>
</body>
</html>
`;
}
