// Serves the web panel (src/panel, bundled by `npm run build` into dist/panel) from memory:
// index.html at `/` (never cached: it names the hashed assets), the hashed assets under
// /assets/ (cached for a year), gzip when the browser takes it, ETags, and strict security
// headers (no inline script, no third party: the panel works with no internet). The assets
// are public; every piece of data behind them needs a login (the API's roles).

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { packageFile } from '../package-root.js';

export interface PanelOptions {
  /** Folder of the built panel; default PINTU_PANEL_DIR, else <package>/dist/panel. */
  dir?: string;
}

interface Asset {
  body: Buffer;
  gzip?: Buffer;
  type: string;
  etag: string;
  immutable: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
};

export const PANEL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** <package root>/dist/panel, whether this runs from the sources (tsx, tests) or the bundle. */
export function defaultPanelDir(): string {
  return process.env.PINTU_PANEL_DIR || packageFile('dist', 'panel');
}

function load(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const file = join(d, name);
      if (statSync(file).isDirectory()) walk(file);
      else {
        const rel = relative(dir, file).split(sep).join('/');
        const body = readFileSync(file);
        const type = TYPES[extname(name)] ?? 'application/octet-stream';
        const compressible = /text|json|svg|manifest/.test(type) && body.length > 512;
        assets.set(`/${rel}`, {
          body,
          ...(compressible ? { gzip: gzipSync(body, { level: 9 }) } : {}),
          type,
          etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
          // esbuild names assets name-HASH.ext: they never change under the same name.
          immutable: rel.startsWith('assets/') && /-[A-Z0-9]{8}\.[a-z0-9]+$/.test(name),
        });
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return assets;
}

const NOT_BUILT = `<!doctype html><html lang="id"><meta charset="utf-8"><title>Pintu</title>
<body><h1>Pintu</h1><p>Panel belum dibangun: jalankan <code>npm run build</code>.</p>
<p>The web panel is not built: run <code>npm run build</code>.</p></body></html>`;

export default async function panel(app: FastifyInstance, opts: PanelOptions = {}) {
  const dir = opts.dir ?? defaultPanelDir();
  const assets = load(dir);
  if (!assets.has('/index.html')) app.log.warn({ dir }, 'web panel not built (npm run build): / says so');

  const headers = (reply: FastifyReply) =>
    reply
      .header('content-security-policy', PANEL_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .header('cross-origin-opener-policy', 'same-origin');

  const send = (req: FastifyRequest, reply: FastifyReply, asset: Asset | undefined) => {
    headers(reply);
    if (!asset) return reply.code(404).type('text/plain; charset=utf-8').send('not found');
    reply
      .header('etag', asset.etag)
      .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('vary', 'accept-encoding')
      .type(asset.type);
    if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    const gzip = asset.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    if (gzip) reply.header('content-encoding', 'gzip');
    return reply.send(gzip ? asset.gzip : asset.body);
  };

  const route = { config: { roles: 'public' as const }, schema: { hide: true } };
  const index = (req: FastifyRequest, reply: FastifyReply) => {
    const asset = assets.get('/index.html');
    if (!asset) {
      headers(reply);
      return reply
        .code(503)
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(NOT_BUILT);
    }
    return send(req, reply, asset);
  };
  app.get('/', route, index);
  app.get('/index.html', route, index);
  app.get<{ Params: { '*': string } }>('/assets/*', route, (req, reply) =>
    send(req, reply, assets.get(`/assets/${req.params['*']}`)),
  );
  app.get('/favicon.ico', route, (req, reply) => send(req, reply, assets.get('/assets/favicon.svg')));
}
