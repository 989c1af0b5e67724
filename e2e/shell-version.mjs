// Checks that pb_public/sw.js lists every shell file and that its VERSION is
// the hash of their contents, so that a changed file always reaches phones.
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

export function expected() {
  const files = walk(root)
    .map((p) => `/${relative(root, p).split(sep).join('/')}`)
    .filter((p) => p !== '/sw.js' && !p.endsWith('.md'))
    .sort();
  const hash = createHash('sha256');
  for (const f of files) hash.update(f).update('\0').update(readFileSync(join(root, f))).update('\0');
  // index.html is served (and cached) as "/": PocketBase redirects
  // /index.html to /, and a redirected response cannot answer a navigation.
  const shell = ['/', ...files.filter((f) => f !== '/index.html')];
  return { version: `shell-${hash.digest('hex').slice(0, 12)}`, shell };
}

export function check() {
  const sw = readFileSync(swPath, 'utf8');
  const { version, shell } = expected();
  const m = /const VERSION = '([^']+)';/.exec(sw);
  const listed = [...sw.matchAll(/^\s+'(\/[^']*)',$/gm)].map((x) => x[1]);
  const problems = [];
  if (!m || m[1] !== version) problems.push(`VERSION is ${m && m[1]}, expected ${version}`);
  const missing = shell.filter((f) => !listed.includes(f));
  const extra = listed.filter((f) => !shell.includes(f));
  if (missing.length) problems.push(`SHELL lacks ${missing.join(', ')}`);
  if (extra.length) problems.push(`SHELL lists missing files ${extra.join(', ')}`);
  // Every module must be preloaded by index.html: on 2G an import found
  // only after its parent was parsed costs one more round trip.
  const index = readFileSync(join(root, 'index.html'), 'utf8');
  const notPreloaded = shell.filter((f) => f.endsWith('.js') && !index.includes(`<link rel="modulepreload" href="${f}">`));
  if (notPreloaded.length) problems.push(`index.html does not preload ${notPreloaded.join(', ')}`);
  return { problems, version, shell, sw };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { problems, version, shell, sw } = check();
  if (process.argv.includes('--write')) {
    const out = sw
      .replace(/const VERSION = '[^']*';/, `const VERSION = '${version}';`)
      .replace(/const SHELL = \[[\s\S]*?\];/, `const SHELL = [\n${shell.map((f) => `  '${f}',`).join('\n')}\n];`);
    writeFileSync(swPath, out);
    console.log(`sw.js: ${version}, ${shell.length} files`);
    const rest = check().problems;
    if (rest.length) { console.error(rest.join('\n')); process.exit(1); }
  } else if (problems.length) {
    console.error(`pb_public/sw.js is out of date: ${problems.join('; ')}\nRun: node e2e/shell-version.mjs --write`);
    process.exit(1);
  } else {
    console.log(`sw.js up to date (${version})`);
  }
}
