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
  // CodeMirror (the form editor's FEEL fields) mounts its styles as a <style> element in a document and as a
  // constructed stylesheet (CSSOM, which the policy allows) only in a shadow root: a constructed one everywhere.
  { file: /style-mod[\\/]src[\\/]style-mod\.js$/,
    replace: [['if (!root.head && root.adoptedStyleSheets && win.CSSStyleSheet) {',
               'if (root.adoptedStyleSheets && win.CSSStyleSheet) {']] },
];

const noInlineStyles = {
  name: 'no-inline-styles',
  setup(build) {
    for (const rule of INLINE_STYLES) {
      build.onLoad({ filter: rule.file }, (args) => {
        let text = readFileSync(args.path, 'utf8');
        for (const [from, to] of [...(rule.attributes || []).map((a) => [a, '']), ...(rule.replace || [])]) {
          if (!text.includes(from)) throw new Error(`${args.path} no longer has ${from}: check build.mjs`);
          text = text.split(from).join(to);
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
  // One Preact: @bpmn-io/properties-panel ships its own copy, which the form editor's panel must share with
  // form-js (two copies: hooks of one run in components of the other, and the panel never renders).
  alias: { preact: '@bpmn-io/properties-panel/preact' },
  logLevel: 'warning',
});
