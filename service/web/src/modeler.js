// The BPMN modeler: bpmn-js with the bpmn.io properties panel, extended with what this service's engine
// reads (lane = role, form, stage, deadline, handler, timers); live validation against the server's rules
// (the one rule set: problems drawn on the diagram, in Chinese, each selecting its element); deployment
// as a new version with a required comment and a confirmation when running instances lose a task.
// An ES module: `make assets` bundles it with esbuild into static/vendor/bundle/modeler.js (+ .css).
import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, useService } from 'bpmn-js-properties-panel';
import { SelectEntry, TextFieldEntry, isSelectEntryEdited, isTextFieldEntryEdited } from '@bpmn-io/properties-panel';
import { h } from '@bpmn-io/properties-panel/preact';
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';

var root = document.getElementById('modeler');
var text = JSON.parse(document.getElementById('i18n').textContent);
var csrf = document.querySelector('meta[name="csrf-token"]').content;
var choices = { roles: list(root.dataset.roles), forms: list(root.dataset.forms), handlers: list(root.dataset.handlers) };
// How an application ends (the end event's outcome): the server's list, by name, and the process it applies to.
var outcomes = JSON.parse(document.getElementById('outcomes').textContent);
var MIN_ZOOM = 0.8;          // below this the Chinese names are unreadable: scroll instead of shrinking
var LINT_DELAY_MS = 600;     // live validation after the last change

function list(value) { return value ? value.split(',') : []; }

// -- durations: the server's one parser (/api/durations); the browser only remembers its answers ------------
var described = {};  // stored value (P10WD) -> how people read it (10 个工作日)

function readDuration(typed) {
  return fetch('/api/durations?text=' + encodeURIComponent(typed), { credentials: 'same-origin' })
    .then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error((body.errors && body.errors[0] && body.errors[0].message) || body.detail);
        described[body.value] = body.text;  // in the page's language (the session's choice)
        return body.value;
      });
    });
}

function literal(body) {  // a timer's duration is an expression: a quoted literal, or a variable's name
  var m = /^\s*(["'])(.*)\1\s*$/.exec(body || '');
  return m ? m[2] : null;
}

// -- the model: spiffworkflow properties, changed through commands (undo works) -------------------------------
var modeler;
function svc(name) { return modeler.get(name); }

function extension(bo, type) {
  var ext = bo.extensionElements;
  return ext ? (ext.values || []).filter(function (v) { return v.$instanceOf(type); })[0] || null : null;
}

function ensureExtension(element, type) {
  var bo = element.businessObject, moddle = svc('moddle'), modeling = svc('modeling');
  var ext = bo.extensionElements;
  if (!ext) {
    ext = moddle.create('bpmn:ExtensionElements', { values: [] });
    ext.$parent = bo;
    modeling.updateProperties(element, { extensionElements: ext });
  }
  var found = extension(bo, type);
  if (!found) {
    found = moddle.create(type, type === 'spiffworkflow:Properties' ? { values: [] } : {});
    found.$parent = ext;
    modeling.updateModdleProperties(element, ext, { values: (ext.values || []).concat([found]) });
  }
  return found;
}

function getProp(element, name) {
  var container = extension(element.businessObject, 'spiffworkflow:Properties');
  var hit = container && (container.values || []).filter(function (p) { return p.name === name; })[0];
  return hit ? hit.value || '' : '';
}

function setProp(element, name, value) {
  var modeling = svc('modeling');
  var container = extension(element.businessObject, 'spiffworkflow:Properties');
  var hit = container && (container.values || []).filter(function (p) { return p.name === name; })[0];
  if (!value) {
    if (hit) modeling.updateModdleProperties(element, container, { values: container.values.filter(function (p) { return p !== hit; }) });
    return;
  }
  if (hit) { modeling.updateModdleProperties(element, hit, { value: value }); return; }
  container = ensureExtension(element, 'spiffworkflow:Properties');
  var property = svc('moddle').create('spiffworkflow:Property', { name: name, value: value });
  property.$parent = container;
  modeling.updateModdleProperties(element, container, { values: (container.values || []).concat([property]) });
}

function timerOf(element) {
  return (element.businessObject.eventDefinitions || [])
    .filter(function (d) { return d.$instanceOf('bpmn:TimerEventDefinition'); })[0] || null;
}

function setTimerDuration(element, body) {
  var timer = timerOf(element);
  var expression = svc('moddle').create('bpmn:FormalExpression', { body: body });
  expression.$parent = timer;
  svc('modeling').updateModdleProperties(element, timer, { timeDuration: expression });
}

// -- the properties panel's entries for this service ------------------------------------------------------------
function options(values) {
  return function () {
    return [{ value: '', label: '—' }].concat(values.map(function (v) { return { value: v, label: v }; }));
  };
}

function PropertySelect(props) {
  return h(SelectEntry, { element: props.element, id: props.id, label: props.label,
    getValue: function () { return getProp(props.element, props.name); },
    setValue: function (v) { setProp(props.element, props.name, v); },
    getOptions: function () {
      var current = getProp(props.element, props.name);
      var values = props.values.indexOf(current) < 0 && current ? props.values.concat([current]) : props.values;
      return options(values)();
    } });
}

// The end event's outcome, chosen by name (a value the list does not know stays selectable, so it can be seen).
function OutcomeSelect(props) {
  return h(SelectEntry, { element: props.element, id: props.id, label: text.outcome,
    getValue: function () { return getProp(props.element, 'outcome'); },
    setValue: function (v) { setProp(props.element, 'outcome', v); },
    getOptions: function () {
      var current = getProp(props.element, 'outcome');
      var known = outcomes.choices.some(function (c) { return c.value === current; });
      return [{ value: '', label: '—' }].concat(outcomes.choices,
        current && !known ? [{ value: current, label: current }] : []);
    } });
}

function endsTheAppraisal(element) {  // an end event of the appraisal's top-level process (not a sub-process)
  var parent = element.businessObject.$parent;
  return element.type === 'bpmn:EndEvent' && !!parent && parent.$instanceOf('bpmn:Process') && parent.id === outcomes.process;
}

function PropertyText(props) {
  return h(TextFieldEntry, { element: props.element, id: props.id, label: props.label, description: props.description,
    debounce: useService('debounceInput'),
    getValue: function () { return getProp(props.element, props.name); },
    setValue: function (v) { setProp(props.element, props.name, (v || '').trim()); } });
}

// A duration typed as people say it; stored as the server reads it, shown back the way people say it.
function DurationText(props) {
  var eventBus = useService('eventBus');
  return h(TextFieldEntry, { element: props.element, id: props.id, label: props.label, description: text.duration_help,
    debounce: useService('debounceInput'),
    getValue: function () { var v = props.get(); return v ? described[v] || v : ''; },
    setValue: function (typed) {
      typed = (typed || '').trim();
      var errors = {};
      if (!typed) { eventBus.fire('propertiesPanel.setErrors', { errors: errors }); props.set(''); return; }
      readDuration(typed).then(function (value) {
        eventBus.fire('propertiesPanel.setErrors', { errors: errors });
        props.set(value);
      }, function (err) {
        if (props.expression) { props.set(typed, true); return; }  // a timer may name a variable instead
        errors[props.id] = err.message;
        eventBus.fire('propertiesPanel.setErrors', { errors: errors });
      });
    } });
}

function LaneRole(props) {
  var modeling = useService('modeling');
  return h(SelectEntry, { element: props.element, id: 'laneRole', label: text.lane_role,
    getValue: function () { return props.element.businessObject.id; },
    setValue: function (v) { if (v) modeling.updateProperties(props.element, { id: v }); },
    getOptions: function () {
      var id = props.element.businessObject.id;
      var values = choices.roles.indexOf(id) < 0 ? choices.roles.concat([id]) : choices.roles;
      return values.map(function (v) { return { value: v, label: v }; });
    } });
}

function Handler(props) {
  var modeling = useService('modeling');
  return h(SelectEntry, { element: props.element, id: 'handler', label: text.handler,
    getValue: function () { var op = extension(props.element.businessObject, 'spiffworkflow:ServiceTaskOperator'); return op ? op.id || '' : ''; },
    setValue: function (v) {
      var op = ensureExtension(props.element, 'spiffworkflow:ServiceTaskOperator');
      modeling.updateModdleProperties(props.element, op, { id: v });
    },
    getOptions: function () {
      var op = extension(props.element.businessObject, 'spiffworkflow:ServiceTaskOperator');
      var current = op ? op.id : '';
      return options(current && choices.handlers.indexOf(current) < 0 ? choices.handlers.concat([current]) : choices.handlers)();
    } });
}

// Entries are spread as props into their (stable) component, so an edit re-renders rather than remounts.
function entry(id, component, element, extra) {
  var edited = component === PropertySelect || component === LaneRole || component === Handler || component === OutcomeSelect;
  return Object.assign({ id: id, element: element, component: component,
                         isEdited: edited ? isSelectEntryEdited : isTextFieldEntryEdited }, extra || {});
}

function entriesFor(element) {
  var bo = element.businessObject;
  var entries = [];
  if (element.type === 'bpmn:Lane') entries.push(entry('laneRole', LaneRole, element));
  var waitsForMessage = (bo.eventDefinitions || []).some(function (d) { return d.$instanceOf('bpmn:MessageEventDefinition'); });
  if (element.type === 'bpmn:UserTask' || (element.type === 'bpmn:IntermediateCatchEvent' && waitsForMessage)) {
    entries.push(entry('formKey', PropertySelect, element, { name: 'formKey', label: text.form_key, values: choices.forms }));
    entries.push(entry('stage', PropertyText, element, { name: 'stage', label: text.stage }));
  }
  if (element.type === 'bpmn:UserTask') {
    entries.push(entry('dueIn', DurationText, element, { label: text.due_in,
      get: function () { return getProp(element, 'dueIn'); }, set: function (v) { setProp(element, 'dueIn', v); } }));
    entries.push(entry('assigneeVariable', PropertyText, element, { name: 'assigneeVariable', label: text.assignee_variable }));
  }
  if (element.type === 'bpmn:ServiceTask') entries.push(entry('handler', Handler, element));
  if (endsTheAppraisal(element)) entries.push(entry('outcome', OutcomeSelect, element));
  return entries;
}

function timerEntries(element) {
  var timer = timerOf(element);
  if (!timer || !timer.timeDuration) return null;
  return [entry('timerDuration', DurationText, element, { label: text.timer_duration, expression: true,
    get: function () { var body = timer.timeDuration && timer.timeDuration.body; var v = literal(body); return v === null ? body : v; },
    set: function (v, raw) { setTimerDuration(element, raw || !v ? v : '"' + v + '"'); } })];
}

function AppraisalProvider(propertiesPanel) { propertiesPanel.registerProvider(400, this); }
AppraisalProvider.$inject = ['propertiesPanel'];
AppraisalProvider.prototype.getGroups = function (element) {
  return function (groups) {
    var entries = entriesFor(element);
    if (entries.length) groups.splice(1, 0, { id: 'appraisal', label: text.group, entries: entries, shouldOpen: true });
    var timer = groups.filter(function (g) { return g.id === 'timer'; })[0];
    var durations = timer && timerEntries(element);
    if (durations) {
      timer.entries = timer.entries.filter(function (e) { return !/Value$/.test(e.id); }).concat(durations);
      timer.shouldOpen = true;
    }
    return groups;
  };
};

function translate(template, replacements) {
  var t = (text.bpmn && text.bpmn[template]) || template;
  return t.replace(/{([^}]+)}/g, function (_, key) {
    return replacements && replacements[key] !== undefined ? replacements[key] : '{' + key + '}';
  });
}

modeler = new BpmnModeler({
  container: '#canvas',
  propertiesPanel: { parent: '#properties' },
  additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule,
                      { __init__: ['appraisalProvider'], appraisalProvider: ['type', AppraisalProvider] },
                      { translate: ['value', translate] }],
  moddleExtensions: { spiffworkflow: window.SPIFFWORKFLOW_MODDLE }
});

// -- problems: the server's rules, live, on the diagram and in a list that selects ------------------------------
var result = document.getElementById('result');
var problemsList = document.getElementById('problems');
var picker = document.getElementById('element-picker');

function focusElement(id) {
  var element = svc('elementRegistry').get(id);
  if (!element) return;
  svc('selection').select(element);
  svc('canvas').scrollToElement(element, { top: 120, bottom: 120, left: 160, right: 120 });
}

function clearProblems() {
  svc('overlays').remove({ type: 'problem' });
  svc('elementRegistry').forEach(function (e) {
    svc('canvas').removeMarker(e.id, 'has-problem');
    svc('canvas').removeMarker(e.id, 'has-warning');
  });
  problemsList.innerHTML = '';
}

function elementLabel(id) {
  var element = id && svc('elementRegistry').get(id);
  return element ? labelOf(element) : id;
}

function showProblems(problems) {
  var badges = {};  // element id -> its badge on the diagram: one, the worst (a warning never hides an error)
  problems.forEach(function (p) {
    var message = p.message;  // in the page's language (the API answers in the session's)
    var li = document.createElement('li');
    li.dataset.element = p.element || '';
    li.dataset.code = p.code || '';
    if (p.severity === 'warning') li.className = 'warning';
    if (p.element) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'link';
      button.textContent = elementLabel(p.element);
      button.title = text.show_element;
      button.addEventListener('click', function () { focusElement(p.element); });
      li.appendChild(button);
      li.appendChild(document.createTextNode('：'));
    }
    li.appendChild(document.createTextNode(message));
    problemsList.appendChild(li);
    var element = p.element && svc('elementRegistry').get(p.element);
    if (element) {
      svc('canvas').addMarker(element.id, p.severity === 'warning' ? 'has-warning' : 'has-problem');
      var badge = document.createElement('div');
      badge.className = 'bpmn-problem' + (p.severity === 'warning' ? ' warning' : '');
      badge.title = message;
      badge.textContent = p.severity === 'warning' ? text.warning_badge : text.error_badge;
      badge.addEventListener('click', function () { focusElement(p.element); });
      var shown = badges[element.id];
      if (shown && (shown.warning ? p.severity === 'warning' : true)) return;
      if (shown) svc('overlays').remove(shown.id);
      badges[element.id] = { warning: p.severity === 'warning',
        id: svc('overlays').add(element.id, 'problem', { position: { top: -14, left: 0 }, html: badge }) };
    }
  });
}

function post(url) {
  return modeler.saveXML({ format: true }).then(function (saved) {
    return fetch(url, { method: 'POST', credentials: 'same-origin', body: saved.xml,
                        headers: { 'Content-Type': 'application/xml', 'X-CSRF-Token': csrf } });
  }).then(function (response) {
    return response.json().then(function (body) { return { ok: response.ok, status: response.status, body: body }; });
  });
}

var lintRun = 0;
function validate() {
  var run = ++lintRun;
  result.className = 'pending';
  result.textContent = text.checking;
  return post('/api/process-definitions/validate').then(function (r) {
    if (run !== lintRun) return r.ok;  // a newer edit's check is on its way
    clearProblems();
    if (r.ok) { result.textContent = text.valid; result.className = 'ok'; showProblems(r.body.warnings || []); }
    else {
      result.textContent = text.invalid;
      result.className = 'error';
      showProblems(r.body.problems || []);
    }
    root.dataset.checked = String(run);
    return r.ok;
  });
}

var lintTimer = null;
function validateSoon() {
  clearTimeout(lintTimer);
  lintTimer = setTimeout(validate, LINT_DELAY_MS);
}

// -- deploying: a comment, and a confirmation when running instances lose a task ---------------------------------
var comment = document.getElementById('deploy-comment');
var commentError = document.getElementById('deploy-comment-error');
var confirmBox = document.getElementById('confirm-removal');

function deploy(confirmed) {
  commentError.textContent = '';
  confirmBox.hidden = true;
  var url = '/api/process-definitions?comment=' + encodeURIComponent(comment.value || '') +
            (confirmed ? '&confirm_removed=true' : '');
  return post(url).then(function (r) {
    if (r.status === 409 && r.body.code === 'removes_tasks_with_open_instances') return askToConfirm(r.body);
    if (!r.ok) {
      var problems = r.body.problems || [];
      var onComment = problems.filter(function (p) { return p.field === 'comment'; });
      if (onComment.length) { commentError.textContent = onComment[0].message; comment.focus(); }
      var rest = problems.filter(function (p) { return p.field !== 'comment'; });
      if (rest.length) {
        clearProblems();
        showProblems(rest);
        result.textContent = text.invalid;
        result.className = 'error';
      } else if (!onComment.length) {
        result.textContent = text.invalid + '：' + (r.body.detail || r.status);
        result.className = 'error';
      }
      return;
    }
    deployed(r.body, confirmed ? confirmBox.dataset.source : '');
  });
}

function askToConfirm(body) {
  confirmBox.dataset.source = body.current_definition_id;
  document.getElementById('confirm-detail').textContent = body.detail;
  var tasks = document.getElementById('confirm-tasks');
  tasks.innerHTML = '';
  body.removed_tasks.forEach(function (task) {
    var li = document.createElement('li');
    var waiting = (body.waiting_at || {})[task] || 0;
    li.textContent = text.removed_task.replace('{task}', task).replace('{waiting}', waiting);
    tasks.appendChild(li);
  });
  confirmBox.hidden = false;
  document.getElementById('confirm-deploy').focus();
}

function deployed(body, source) {
  result.className = 'ok';
  result.innerHTML = '';
  var span = document.createElement('span');
  span.id = 'deployed-version';
  span.textContent = text.deployed + ' v' + body.version;
  var link = document.createElement('a');
  link.href = root.dataset.listUrl;
  link.textContent = text.versions;
  result.appendChild(span);
  result.appendChild(document.createTextNode(' · '));
  result.appendChild(link);
  if (source) {  // the running instances stay on the old version until they are migrated: offer it, pre-filled
    var migrate = document.createElement('a');
    migrate.id = 'migrate-link';
    migrate.className = 'button primary';
    migrate.href = root.dataset.migrationUrl + '?source=' + encodeURIComponent(source) + '&target=' + encodeURIComponent(body.id);
    migrate.textContent = text.migrate;
    result.appendChild(document.createElement('br'));
    result.appendChild(migrate);
  }
}

document.getElementById('validate').addEventListener('click', validate);
document.getElementById('deploy').addEventListener('click', function () { deploy(false); });
document.getElementById('confirm-deploy').addEventListener('click', function () { deploy(true); });
document.getElementById('confirm-cancel').addEventListener('click', function () { confirmBox.hidden = true; });
document.getElementById('download').addEventListener('click', function () {
  modeler.saveXML({ format: true }).then(function (saved) {
    var link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([saved.xml], { type: 'application/xml' }));
    link.download = (root.dataset.key || 'process') + '.bpmn';
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 0);
  });
});

// -- the element picker (keyboard access to every element the panel edits) --------------------------------------
// It shows what is selected on the canvas, always: rebuilt from the diagram after every change (a new, renamed or
// deleted element) and every selection, each element by its name or, unnamed, by its kind (未命名的结束事件).
function labelOf(element) {
  var bo = element.businessObject;
  if (bo.name && bo.name.trim()) return bo.name.trim().replace(/\s+/g, ' ');
  var bpmn = text.bpmn || {};
  var base = element.type.replace(/^bpmn:/, '').replace(/([a-z])([A-Z])/g, '$1 $2');  // bpmn:EndEvent -> End Event
  var definition = (bo.eventDefinitions || [])[0];
  var kind = definition ? definition.$type.replace(/^bpmn:|EventDefinition$/g, '') + ' ' + base : base;  // Timer …
  if (element.type === 'bpmn:BoundaryEvent' && bo.cancelActivity === false) kind += ' (Non Interrupting)';
  return text.unnamed.replace('{kind}', bpmn[kind] || bpmn[base] || text.element);
}

function pickable(element) {
  var bo = element.businessObject;
  return !element.labelTarget && !!bo && (bo.$instanceOf('bpmn:FlowNode') || bo.$instanceOf('bpmn:Lane'));
}

function syncPicker() {
  var chosen = svc('selection').get();
  var current = chosen.length === 1 ? chosen[0] : null;
  var elements = svc('elementRegistry').filter(function (e) { return pickable(e) || e === current; })
    .map(function (e) { return { id: e.id, label: labelOf(e) }; })
    .sort(function (a, b) { return a.label.localeCompare(b.label, 'zh') || a.id.localeCompare(b.id); });
  var seen = {};  // two unnamed end events: 未命名的结束事件, 未命名的结束事件 2
  picker.innerHTML = '';
  var none = document.createElement('option');
  none.value = ''; none.textContent = '—';
  picker.appendChild(none);
  elements.forEach(function (e) {
    seen[e.label] = (seen[e.label] || 0) + 1;
    var opt = document.createElement('option');
    opt.value = e.id;
    opt.textContent = seen[e.label] > 1 ? e.label + ' ' + seen[e.label] : e.label;
    picker.appendChild(opt);
  });
  picker.value = current ? current.id : '';
}
picker.addEventListener('change', function () {
  if (picker.value) focusElement(picker.value);
  else svc('selection').select(null);
});
modeler.on('selection.changed', syncPicker);
modeler.on('commandStack.changed', function () { validateSoon(); syncPicker(); });

// A click on an element selects it, however it was selected before (diagram-js deselects an element clicked while
// it is the only one selected, so picking an element and then clicking it on the canvas dropped it). Shift/Ctrl
// clicks still add and remove.
modeler.on('element.click', 1500, function (event) {
  var selection = svc('selection'), original = event.originalEvent || {};
  if (original.button !== 0 || original.shiftKey || original.ctrlKey || original.metaKey) return;
  if (event.element !== svc('canvas').getRootElement() && selection.isSelected(event.element) &&
      selection.get().length === 1) event.stopPropagation();
});

// -- opening: readable (a minimum zoom, the start event in view), nothing under the palette ------------------------
function openReadable() {
  var canvas = svc('canvas');
  canvas.zoom('fit-viewport');
  var box = canvas.viewbox();
  var scale = Math.min(Math.max(box.scale, MIN_ZOOM), 1);
  var inner = box.inner, outer = box.outer;
  var container = document.getElementById('canvas').getBoundingClientRect();
  var palette = document.querySelector('#canvas .djs-palette');
  var left = palette ? palette.getBoundingClientRect().right - container.left + 16 : 16;
  var starts = svc('elementRegistry').filter(function (e) {
    return e.type === 'bpmn:StartEvent' && e.parent && e.parent.type !== 'bpmn:SubProcess';
  });
  var y = inner.y - 16 / scale;
  if (inner.height * scale > outer.height && starts.length) {  // taller than the window: the start event's band
    y = Math.max(y, starts[0].y + starts[0].height / 2 - outer.height / scale / 3);
  }
  canvas.viewbox({ x: inner.x - left / scale, y: y, width: outer.width / scale, height: outer.height / scale });
}

function describeAll() {  // how people read the diagram's durations, asked once at opening
  var values = {};
  svc('elementRegistry').forEach(function (e) {
    var due = e.type === 'bpmn:UserTask' && getProp(e, 'dueIn');
    if (due) values[due] = true;
    var timer = timerOf(e);
    var body = timer && timer.timeDuration && literal(timer.timeDuration.body);
    if (body) values[body] = true;
  });
  return Promise.all(Object.keys(values).map(function (v) { return readDuration(v).catch(function () { return null; }); }));
}

fetch(root.dataset.xmlUrl, { credentials: 'same-origin' })
  .then(function (r) { return r.text(); })
  .then(function (xml) { return modeler.importXML(xml); })
  .then(describeAll)
  .then(function () {
    openReadable();
    syncPicker();
    return validate();
  })
  .then(function () { root.dataset.ready = '1'; })  // opened, and checked once
  .catch(function (err) { result.className = 'error'; result.textContent = String(err); });
