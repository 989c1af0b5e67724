// Copies the front-end libraries the field app loads from pb_public/vendor/.
// The app has no build step: the files are committed, and this script is
// how they got there, from the versions pinned in package-lock.json.
//
//   npm ci && node copy-vendor.mjs          → (re)write pb_public/vendor/
//   npm ci && node copy-vendor.mjs --check  → exit 1 when the committed copy differs
//
// Only what the app uses is copied: Leaflet's minified build, its stylesheet
// and its licence; jsQR's build and licence. The source-map comment is dropped (the map file is not
// shipped: every shipped file is cached on the phones) and nothing else is
// changed. Leaflet's marker and layer-control images are not copied: the app
// draws its markers itself and has no layer control.
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'pb_public', 'vendor');

const FILES = [
  { from: 'leaflet/dist/leaflet.js', to: 'leaflet/leaflet.js', strip: true },
  { from: 'leaflet/dist/leaflet.css', to: 'leaflet/leaflet.css' },
  { from: 'leaflet/LICENSE', to: 'leaflet/LICENSE.txt' },
  // the QR decoder of phones without BarcodeDetector (a UMD script that
  // defines window.jsQR), loaded by the receipt check on first use
  { from: 'jsqr/dist/jsQR.js', to: 'jsqr/jsQR.js' },
  { from: 'jsqr/LICENSE', to: 'jsqr/LICENSE.txt' },
];

const check = process.argv.includes('--check');
const problems = [];
for (const f of FILES) {
  let body = readFileSync(join(here, 'node_modules', f.from), 'utf8');
  if (f.strip) body = body.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n');
  const dest = join(out, f.to);
  if (check) {
    if (!existsSync(dest) || readFileSync(dest, 'utf8') !== body) problems.push(f.to);
  } else {
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, body);
    console.log(`pb_public/vendor/${f.to}`);
  }
}
if (problems.length) {
  console.error(`pb_public/vendor/ differs from web/node_modules for ${problems.join(', ')}: run cd web && npm ci && node copy-vendor.mjs`);
  process.exit(1);
}
if (check) console.log('pb_public/vendor/ matches web/package-lock.json');
