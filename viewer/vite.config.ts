import { defineConfig, type Plugin } from 'vite';

// The page's Content-Security-Policy: scripts, workers, styles and the .wasm only from the page's
// own origin ('wasm-unsafe-eval' lets it compile WebAssembly, nothing else); no inline script or
// style, no plugins, no frames, no form targets. Added to the built page only: the dev server
// injects inline styles for hot reload.
export const CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "manifest-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

function csp(): Plugin {
  return {
    name: 's3norm-viewer-csp',
    apply: 'build',
    transformIndexHtml(html) {
      return html.replace('<meta charset="utf-8" />', `<meta charset="utf-8" />\n    <meta http-equiv="Content-Security-Policy" content="${CSP}" />`);
    },
  };
}

export default defineConfig({
  // Relative asset paths: dist/ works from any folder or host.
  base: './',
  plugins: [csp()],
  // The package must keep its `new URL('s3norm_bg.wasm', import.meta.url)`: no pre-bundling.
  optimizeDeps: { exclude: ['s3norm'] },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    // Never inline assets as data: URLs (the CSP allows only the page's own origin).
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
