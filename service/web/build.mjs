// `make assets`: bundle each page script service/web/src/NAME.js (an ES module; shared modules live in
// subfolders) with esbuild into service/web/static/vendor/bundle/NAME.js, the CSS it imports into NAME.css
// and the fonts that CSS names beside them. Run from the project's root after `npm ci`.
import * as esbuild from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';

const SRC = 'service/web/src';
const OUT = 'service/web/static/vendor/bundle';

// Markup that a dependency builds with inline style attributes, which the pages' Content-Security-Policy
// (style-src 'self', no 'unsafe-inline') refuses with a console error. The attributes are dropped here and
// the same rules live in static/app.css. A string not found fails the build, so an upgrade is noticed.
const INLINE_STYLES = [
  { file: /bpmn-js-properties-panel[\\/]dist[\\/]index\.esm\.js$/,
    attributes: [' style="height: 100%"', ' style="flex: none; height: auto"'] },
];

const noInlineStyles = {
  name: 'no-inline-styles',
  setup(build) {
    for (const rule of INLINE_STYLES) {
      build.onLoad({ filter: rule.file }, (args) => {
        let text = readFileSync(args.path, 'utf8');
        for (const attribute of rule.attributes) {
          if (!text.includes(attribute)) throw new Error(`${args.path} no longer has ${attribute}: check build.mjs`);
          text = text.split(attribute).join('');
        }
        return { contents: text, loader: 'js' };
      });
    }
  },
};

const entryPoints = readdirSync(SRC).filter((name) => name.endsWith('.js')).map((name) => `${SRC}/${name}`);
await esbuild.build({
  entryPoints,
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'iife',
  target: 'es2020',
  outdir: OUT,
  loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file', '.svg': 'file' },
  plugins: [noInlineStyles],
  logLevel: 'warning',
});
