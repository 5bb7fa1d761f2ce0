// The console's built files (console/build.mjs writes them to collector/public/), held in memory
// with their gzip and brotli forms and an ETag, so serving costs no disk read or compression.
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';

/** collector/public/, next to src/ and dist/: the same from compiled code (bin) and from sources (tests). */
export const CONSOLE_ASSETS_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Pages are same-origin only: no inline script, no other host, never framed. */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

interface Asset {
  type: string;
  etag: string;
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
  /** Content-hashed names never change: cached for a year. Pages are revalidated. */
  immutable: boolean;
}

@Injectable()
export class ConsoleAssets implements OnModuleInit {
  private readonly log = new Logger('console');
  private readonly assets = new Map<string, Asset>();
  private missing: string | undefined;

  private readonly dir = CONSOLE_ASSETS_DIR;

  onModuleInit(): void {
    if (!existsSync(path.join(this.dir, 'index.html'))) {
      this.missing = `the console is not built (${path.join(this.dir, 'index.html')} is missing); run npm run build`;
      this.log.warn(this.missing);
      return;
    }
    for (const file of walk(this.dir)) {
      const name = path.relative(this.dir, file).split(path.sep).join('/');
      const body = readFileSync(file);
      this.assets.set(name, {
        type: TYPES[path.extname(name)] ?? 'application/octet-stream',
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        identity: body,
        gzip: gzipSync(body, { level: 9 }),
        br: brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }),
        immutable: name.startsWith('assets/'),
      });
    }
  }

  has(name: string): boolean {
    return this.assets.has(name);
  }

  /** Answers with a built file (compressed when the client accepts it); 404/503 with a reason otherwise. */
  send(req: IncomingMessage, res: ServerResponse, name: string): void {
    const asset = this.assets.get(name);
    if (!asset) {
      res.statusCode = this.missing ? 503 : 404;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(this.missing ?? `no console asset ${name}`);
      return;
    }
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    res.setHeader('Content-Type', asset.type);
    res.setHeader('Cache-Control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    res.setHeader('ETag', asset.etag);
    res.setHeader('Vary', 'Accept-Encoding');
    if (req.headers['if-none-match'] === asset.etag) {
      res.statusCode = 304;
      res.end();
      return;
    }
    const accepted = String(req.headers['accept-encoding'] ?? '');
    const [encoding, body] = /\bbr\b/.test(accepted) ? ['br', asset.br] : /\bgzip\b/.test(accepted) ? ['gzip', asset.gzip] : [undefined, asset.identity];
    if (encoding) res.setHeader('Content-Encoding', encoding);
    res.setHeader('Content-Length', body.length);
    res.statusCode = 200;
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) yield* walk(full);
    else yield full;
  }
}
