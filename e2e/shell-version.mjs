// Checks that pb_public/sw.js lists every shell file and that its VERSION is
// the hash of their contents, so that a changed file always reaches phones.
//
// Two lists: SHELL, cached when the service worker installs (the first load),
// and LAZY, the map's code and the vendored libraries under /vendor/, loaded
// by dynamic import only when a map is shown. Keeping LAZY out of the install
// keeps the first load light on 2G; the app asks the service worker to cache
// LAZY after the first sync, so the map still works offline afterwards.
//   node shell-version.mjs          → exit 1 with the fix when out of date
//   node shell-version.mjs --write  → rewrite VERSION and SHELL in sw.js
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../pb_public/', import.meta.url));
const swPath = join(root, 'sw.js');

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** Files loaded only by dynamic import (never preloaded, cached after sign-in). */
export const LAZY_PREFIXES = ['/js/map/', '/vendor/'];
export const isLazy = (f) => LAZY_PREFIXES.some((p) => f.startsWith(p));

export function expected() {
  const files = walk(root)
    .map((p) => `/${relative(root, p).split(sep).join('/')}`)
    .filter((p) => p !== '/sw.js' && !p.endsWith('.md'))
    .sort();
  const hash = createHash('sha256');
  for (const f of files) hash.update(f).update('\0').update(readFileSync(join(root, f))).update('\0');
  // index.html is served (and cached) as "/": PocketBase redirects
  // /index.html to /, and a redirected response cannot answer a navigation.
  const shell = ['/', ...files.filter((f) => f !== '/index.html' && !isLazy(f))];
  const lazy = files.filter(isLazy);
  return { version: `shell-${hash.digest('hex').slice(0, 12)}`, shell, lazy };
}

/** The quoted paths of `const NAME = [ … ];` in sw.js. */
function listed(sw, name) {
  const m = new RegExp(`const ${name} = \\[([\\s\\S]*?)\\];`).exec(sw);
  return m ? [...m[1].matchAll(/^\s+'(\/[^']*)',$/gm)].map((x) => x[1]) : [];
}

export function check() {
  const sw = readFileSync(swPath, 'utf8');
  const { version, shell, lazy } = expected();
  const m = /const VERSION = '([^']+)';/.exec(sw);
  const problems = [];
  if (!m || m[1] !== version) problems.push(`VERSION is ${m && m[1]}, expected ${version}`);
  for (const [name, want] of [['SHELL', shell], ['LAZY', lazy]]) {
    const have = listed(sw, name);
    const missing = want.filter((f) => !have.includes(f));
    const extra = have.filter((f) => !want.includes(f));
    if (missing.length) problems.push(`${name} lacks ${missing.join(', ')}`);
    if (extra.length) problems.push(`${name} lists files that are not ${name === 'SHELL' ? 'shell' : 'lazy'} files: ${extra.join(', ')}`);
  }
  // Every eagerly loaded module must be preloaded by index.html: on 2G an
  // import found only after its parent was parsed costs one more round trip.
  // Lazy modules must not be: preloading them would put them back into the
  // first load.
  const index = readFileSync(join(root, 'index.html'), 'utf8');
  const preloaded = (f) => index.includes(`<link rel="modulepreload" href="${f}">`);
  const notPreloaded = shell.filter((f) => f.endsWith('.js') && !preloaded(f));
  if (notPreloaded.length) problems.push(`index.html does not preload ${notPreloaded.join(', ')}`);
  const eager = lazy.filter((f) => preloaded(f) || index.includes(`"${f}"`));
  if (eager.length) problems.push(`index.html loads lazy files at first load: ${eager.join(', ')}`);
  return { problems, version, shell, lazy, sw };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { problems, version, shell, lazy, sw } = check();
  if (process.argv.includes('--write')) {
    const list = (files) => `[\n${files.map((f) => `  '${f}',`).join('\n')}\n]`;
    const out = sw
      .replace(/const VERSION = '[^']*';/, `const VERSION = '${version}';`)
      .replace(/const SHELL = \[[\s\S]*?\];/, `const SHELL = ${list(shell)};`)
      .replace(/const LAZY = \[[\s\S]*?\];/, `const LAZY = ${list(lazy)};`);
    writeFileSync(swPath, out);
    console.log(`sw.js: ${version}, ${shell.length} shell files, ${lazy.length} lazy files`);
    const rest = check().problems;
    if (rest.length) { console.error(rest.join('\n')); process.exit(1); }
  } else if (problems.length) {
    console.error(`pb_public/sw.js is out of date: ${problems.join('; ')}\nRun: node e2e/shell-version.mjs --write`);
    process.exit(1);
  } else {
    console.log(`sw.js up to date (${version})`);
  }
}
