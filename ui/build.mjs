// Bundles the front-end assets the binary serves, from the packages npm installed through
// package-lock.json. build.rs runs it as `node build.mjs OUT_DIR` and embeds what it writes:
//
//   OUT_DIR/explorer.html          the page at /, the explorer (explorer/)
//   OUT_DIR/graphiql.html          the page at /graphiql
//   OUT_DIR/assets/NAME-HASH.EXT   scripts, styles, fonts and workers, served at /assets/
//   OUT_DIR/assets/*.gz, *.br      the same, compressed once here instead of per request
//
// Names carry a hash of their content, so the server can let browsers cache them for good.
//
// Before bundling, the explorer is checked: its generated types must be what GraphQL Code
// Generator makes from schema/schema.graphql now (a stale file stops the build: run
// `npm run codegen`), and TypeScript must accept it (esbuild strips types without reading them).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

import * as esbuild from 'esbuild';

import { staleGenerated } from './codegen-check.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error('usage: node build.mjs OUT_DIR');
  process.exit(2);
}

/** Stops the build with `message`. */
function fail(message) {
  console.error(message);
  process.exit(1);
}

const stale = await staleGenerated();
if (stale.length) fail(stale.join('\n'));
const tsc = spawnSync(join(here, 'node_modules/.bin/tsc'), ['-p', here], { encoding: 'utf8' });
if (tsc.status !== 0) fail(`TypeScript refuses the explorer:\n${tsc.stdout}${tsc.stderr}${tsc.error ?? ''}`);

const assets = join(out, 'assets');
rmSync(out, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });

const common = {
  absWorkingDir: here,
  bundle: true,
  minify: true,
  legalComments: 'linked',
  outdir: assets,
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
};

/** The output file made for each entry point (by the entry's name), and its stylesheet. */
function outputs(result) {
  const made = {};
  for (const [file, meta] of Object.entries(result.metafile.outputs)) {
    if (!meta.entryPoint) continue;
    const name = basename(file).replace(/-[A-Z0-9]+\.js$/, '');
    made[name] = { js: basename(file), css: meta.cssBundle && basename(meta.cssBundle) };
  }
  return made;
}

// Monaco's language services run in web workers, each its own bundle.
const workers = outputs(
  await esbuild.build({
    ...common,
    entryPoints: {
      editor: 'monaco-editor/esm/vs/editor/editor.worker.js',
      json: 'monaco-editor/esm/vs/language/json/json.worker.js',
      graphql: 'monaco-graphql/esm/graphql.worker.js',
    },
    format: 'iife',
  }),
);

const pages = outputs(
  await esbuild.build({
    ...common,
    entryPoints: { graphiql: 'graphiql/main.jsx', explorer: 'explorer/main.ts' },
    format: 'esm',
    jsx: 'automatic',
    loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file', '.svg': 'file' },
    define: {
      ...common.define,
      WORKERS: JSON.stringify(Object.fromEntries(Object.entries(workers).map(([k, v]) => [k, v.js]))),
    },
  }),
);

for (const page of ['graphiql', 'explorer']) {
  const { js, css } = pages[page];
  const html = readFileSync(join(here, page, 'index.html'), 'utf8')
    .replaceAll('{{main.js}}', js)
    .replaceAll('{{main.css}}', css);
  writeFileSync(join(out, `${page}.html`), html);
}

// Compressed once here, so a 4 MB script costs the server a copy, not a gzip, per request.
for (const name of readdirSync(assets)) {
  const file = join(assets, name);
  const body = readFileSync(file);
  if (body.length < 1024 || /\.(woff2?)$/.test(name)) continue;
  writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
  writeFileSync(
    `${file}.br`,
    brotliCompressSync(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 9,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    }),
  );
}
