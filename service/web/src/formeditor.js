// The form editor: @bpmn-io/form-js's editor (palette, canvas, properties panel) on a form's definition, a live
// preview with form-js's viewer as the person doing the task will see it, and saving as the form's next version.
// The server keeps each form as JSON Schema: it sends the form as form-js (GET /api/forms/KEY/formjs) and converts
// what is saved back (PUT …/formjs), then checks, versions and pins it like any other form (service/workflows/formjs.py).
// An ES module: `make assets` bundles it with esbuild into static/vendor/bundle/formeditor.js (+ .css).
import { FormEditor } from '@bpmn-io/form-js-editor';
import { Form } from '@bpmn-io/form-js-viewer';
import '@bpmn-io/form-js-viewer/dist/assets/form-js.css';
import '@bpmn-io/form-js-editor/dist/assets/form-js-editor.css';
import '@bpmn-io/form-js-editor/dist/assets/properties-panel.css';
import { editorModules, previewModules, relabelMarkup } from './formjs/editor.js';

var root = document.getElementById('form-editor-app');
var text = JSON.parse(document.getElementById('i18n').textContent);
var csrf = document.querySelector('meta[name="csrf-token"]').content;
var status = document.getElementById('editor-status');
var problems = document.getElementById('editor-problems');

// The page's language (the site's language switch): the editor's own words in Chinese unless English was chosen.
var chinese = !/^en\b/i.test(document.documentElement.lang || '');
var editor = new FormEditor({
  container: document.getElementById('form-canvas'),
  propertiesPanel: { parent: '#form-properties' },
  additionalModules: editorModules(chinese, JSON.parse(root.dataset.hiddenEntries || '[]'))
});
if (chinese) {
  relabelMarkup(['form-canvas', 'form-properties', 'form-preview'].map(function (id) { return document.getElementById(id); }));
}
var preview = new Form({ container: document.getElementById('form-preview'), additionalModules: previewModules(chinese) });
var previewing = Promise.resolve();

function say(message, kind) {
  status.textContent = message;
  status.className = kind || '';
}

function showProblems(list) {
  problems.textContent = '';
  list.forEach(function (p) {
    var li = document.createElement('li');
    li.textContent = (p.field ? p.field + '：' : '') + p.message;
    problems.appendChild(li);
  });
}

// The preview follows every edit, one import at a time (form-js imports are asynchronous).
function refreshPreview() {
  var schema = editor.saveSchema();
  previewing = previewing.then(function () { return preview.importSchema(schema, {}); })
    .catch(function (err) { say(text.preview_failed + ' ' + err.message, 'error'); });
}

function save() {
  say(text.saving);
  showProblems([]);
  fetch(root.dataset.saveUrl, {
    method: 'PUT', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
    body: JSON.stringify({ formjs: editor.saveSchema() })
  }).then(function (r) {
    return r.json().then(function (body) { return { ok: r.ok, body: body }; });
  }).then(function (res) {
    if (res.ok) {
      say(text.saved.replace('{version}', res.body.version), 'ok');
      root.dataset.version = res.body.version;
    } else {
      say(text.not_saved, 'error');
      showProblems(res.body.errors || [{ message: res.body.detail || res.body.title }]);
    }
  }).catch(function (err) { say(text.not_saved + ' ' + err.message, 'error'); });
}

fetch(root.dataset.loadUrl, { credentials: 'same-origin' })
  .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
  .then(function (body) { return editor.importSchema(body.formjs); })
  .then(function () {
    refreshPreview();
    editor.on('changed', refreshPreview);
    document.getElementById('editor-save').disabled = false;
    say(text.ready);
  })
  .catch(function (err) { say(text.load_failed + ' ' + err.message, 'error'); });

document.getElementById('editor-save').addEventListener('click', save);
