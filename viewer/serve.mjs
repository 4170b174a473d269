#!/usr/bin/env node
// Serve viewer/dist/ on 127.0.0.1 (never another interface), with the page's CSP also sent as a
// header (so it covers the worker too). Used by scripts/viewer.sh and the tests.
//   node serve.mjs [--port N] [--dir PATH]     (port 0 or absent: a free port)
import { createServer } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** The CSP of the built page (read from its meta tag, so there is one definition: vite.config.ts). */
function cspOf(dir) {
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const m = html.match(/http-equiv="Content-Security-Policy" content="([^"]+)"/);
  return m ? m[1] : "default-src 'self'";
}

export function serve({ dir = join(HERE, 'dist'), port = 0, host = '127.0.0.1' } = {}) {
  if (!existsSync(join(dir, 'index.html'))) throw new Error(`${dir}/index.html missing: build the viewer first (npm run build)`);
  const csp = cspOf(dir);
  const root = normalize(dir);
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    let path = decodeURIComponent(url.pathname);
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(root, path));
    if (!(file === root || file.startsWith(root + sep)) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] || 'application/octet-stream',
      'content-security-policy': csp,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    });
    res.end(readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, dflt) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : dflt;
  };
  const server = await serve({ port: Number(arg('--port', process.env.PORT || 0)), dir: arg('--dir', undefined) });
  const { port } = server.address();
  console.log(`s3norm viewer: http://127.0.0.1:${port}/`);
  console.log('(files you open are read in the browser; nothing is uploaded. Ctrl-C to stop)');
}
