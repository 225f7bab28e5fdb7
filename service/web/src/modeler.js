// The BPMN modeler: bpmn-js with a small properties panel for what the engine needs,
// validation against the server (problems shown on the diagram) and deployment as a new version.
// An ES module: `make assets` bundles it with esbuild into static/vendor/bundle/modeler.js (+ .css).
import BpmnModeler from 'bpmn-js/lib/Modeler';
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn.css';

(function () {
  var root = document.getElementById('modeler');
  var text = JSON.parse(document.getElementById('i18n').textContent);
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var roles = root.dataset.roles.split(',');
  var forms = root.dataset.forms.split(',');
  var modeler = new BpmnModeler({ container: '#canvas',
                             moddleExtensions: { spiffworkflow: window.SPIFFWORKFLOW_MODDLE } });
  var picker = document.getElementById('element-picker');
  var props = document.getElementById('props');
  var result = document.getElementById('result');
  var problemsList = document.getElementById('problems');
  var EDITABLE = ['bpmn:UserTask', 'bpmn:ServiceTask', 'bpmn:Lane', 'bpmn:BoundaryEvent',
                  'bpmn:IntermediateCatchEvent', 'bpmn:StartEvent'];

  function svc(name) { return modeler.get(name); }

  function extension(bo, type, create) {
    var moddle = svc('moddle');
    var ext = bo.extensionElements;
    if (!ext) {
      if (!create) return null;
      ext = moddle.create('bpmn:ExtensionElements', { values: [] });
      ext.$parent = bo;
      bo.extensionElements = ext;
    }
    var found = (ext.values || []).filter(function (v) { return v.$instanceOf(type); })[0];
    if (!found && create) {
      found = moddle.create(type, { values: [] });
      found.$parent = ext;
      ext.values.push(found);
    }
    return found || null;
  }

  function getProp(bo, name) {
    var container = extension(bo, 'spiffworkflow:Properties', false);
    var hit = container && (container.values || []).filter(function (p) { return p.name === name; })[0];
    return hit ? hit.value : '';
  }

  function setProp(element, name, value) {
    var bo = element.businessObject;
    var container = extension(bo, 'spiffworkflow:Properties', true);
    var hit = (container.values || []).filter(function (p) { return p.name === name; })[0];
    if (!value) {
      if (hit) container.values.splice(container.values.indexOf(hit), 1);
    } else if (hit) {
      hit.value = value;
    } else {
      var p = svc('moddle').create('spiffworkflow:Property', { name: name, value: value });
      p.$parent = container;
      container.values.push(p);
    }
    svc('eventBus').fire('elements.changed', { elements: [element] });
  }

  function timerDefinition(bo) {
    return (bo.eventDefinitions || []).filter(function (d) { return d.$instanceOf('bpmn:TimerEventDefinition'); })[0];
  }

  function input(id, label, value, onChange, options) {
    var wrap = document.createElement('div');
    wrap.className = 'field';
    var l = document.createElement('label');
    l.htmlFor = id; l.textContent = label;
    var el;
    if (options) {
      el = document.createElement('select');
      options.forEach(function (o) {
        var opt = document.createElement('option'); opt.value = o; opt.textContent = o || '—';
        el.appendChild(opt);
      });
      if (options.indexOf(value) < 0 && value) {
        var extra = document.createElement('option'); extra.value = value; extra.textContent = value; el.appendChild(extra);
      }
    } else {
      el = document.createElement('input');
    }
    el.id = id; el.value = value || '';
    el.addEventListener('change', function () { onChange(el.value.trim()); });
    wrap.appendChild(l); wrap.appendChild(el);
    props.appendChild(wrap);
    return el;
  }

  function render(element) {
    props.innerHTML = '';
    if (!element) return;
    var bo = element.businessObject;
    var heading = document.createElement('p');
    heading.innerHTML = '';
    heading.textContent = bo.$type.replace('bpmn:', '') + ' · ' + bo.id;
    heading.className = 'meta';
    props.appendChild(heading);
    var modeling = svc('modeling');
    if (element.type === 'bpmn:Lane') {
      input('prop-lane', text.lane_role, bo.id, function (v) { if (v) modeling.updateProperties(element, { id: v }); }, roles);
      input('prop-name', text.name, bo.name, function (v) { modeling.updateProperties(element, { name: v }); });
      return;
    }
    input('prop-name', text.name, bo.name, function (v) { modeling.updateProperties(element, { name: v }); });
    var message = (bo.eventDefinitions || []).filter(function (d) { return d.$type === 'bpmn:MessageEventDefinition'; })[0];
    if (message) {  // an item waiting for a meeting's decision: its lane decides, its form is the decision's
      var messageInfo = document.createElement('p');
      messageInfo.className = 'help';
      messageInfo.id = 'prop-message';
      messageInfo.textContent = 'message: ' + (message.messageRef ? (message.messageRef.name || message.messageRef.id) : '—');
      props.appendChild(messageInfo);
      input('prop-formKey', text.form_key, getProp(bo, 'formKey'), function (v) { setProp(element, 'formKey', v); }, [''].concat(forms));
      input('prop-stage', text.stage, getProp(bo, 'stage'), function (v) { setProp(element, 'stage', v); });
    }
    if (element.type === 'bpmn:UserTask') {
      var lane = (svc('elementRegistry').filter(function (e) {
        return e.type === 'bpmn:Lane' && (e.businessObject.flowNodeRef || []).indexOf(bo) >= 0; })[0]);
      var laneInfo = document.createElement('p');
      laneInfo.className = 'help';
      laneInfo.textContent = text.lane_role + ': ' + (lane ? lane.businessObject.id : '—');
      props.appendChild(laneInfo);
      input('prop-formKey', text.form_key, getProp(bo, 'formKey'), function (v) { setProp(element, 'formKey', v); }, [''].concat(forms));
      input('prop-stage', text.stage, getProp(bo, 'stage'), function (v) { setProp(element, 'stage', v); });
      input('prop-dueIn', text.due_in, getProp(bo, 'dueIn'), function (v) { setProp(element, 'dueIn', v); });
      input('prop-assigneeVariable', text.assignee_variable, getProp(bo, 'assigneeVariable'),
            function (v) { setProp(element, 'assigneeVariable', v); });
    }
    if (element.type === 'bpmn:ServiceTask') {
      var op = extension(bo, 'spiffworkflow:ServiceTaskOperator', false);
      input('prop-handler', text.handler, op ? op.id : '', function (v) {
        var target = extension(bo, 'spiffworkflow:ServiceTaskOperator', true);
        target.id = v;
        svc('eventBus').fire('elements.changed', { elements: [element] });
      });
    }
    var timer = timerDefinition(bo);
    if (timer) {
      var kind = timer.timeDate ? 'timeDate' : (timer.timeDuration ? 'timeDuration' : (timer.timeCycle ? 'timeCycle' : 'timeDate'));
      input('prop-timer', text.timer + ' (' + kind + ')', timer[kind] ? timer[kind].body : '', function (v) {
        var expr = svc('moddle').create('bpmn:FormalExpression', { body: v });
        expr.$parent = timer;
        timer[kind] = expr;
        svc('eventBus').fire('elements.changed', { elements: [element] });
      });
    }
  }

  function fillPicker() {
    picker.innerHTML = '<option value="">—</option>';
    svc('elementRegistry').filter(function (e) { return EDITABLE.indexOf(e.type) >= 0; })
      .sort(function (a, b) { return a.type.localeCompare(b.type) || a.id.localeCompare(b.id); })
      .forEach(function (e) {
        var opt = document.createElement('option');
        opt.value = e.id;
        opt.textContent = (e.businessObject.name || '') + ' (' + e.id + ')';
        picker.appendChild(opt);
      });
  }

  picker.addEventListener('change', function () {
    var element = svc('elementRegistry').get(picker.value);
    if (element) { svc('selection').select(element); svc('canvas').scrollToElement && svc('canvas').scrollToElement(element); }
  });
  modeler.on('selection.changed', function (e) {
    var element = e.newSelection[0];
    render(element);
    if (element && picker.value !== element.id) picker.value = element.id;
  });

  function clearProblems() {
    svc('overlays').remove({ type: 'problem' });
    svc('elementRegistry').forEach(function (e) { svc('canvas').removeMarker(e.id, 'has-problem'); });
    problemsList.innerHTML = '';
  }

  var english = (document.documentElement.lang || '').indexOf('en') === 0;

  function showProblems(problems) {
    problems.forEach(function (p) {
      var li = document.createElement('li');
      var message = english && p.message_en ? p.message_en : p.message;
      li.textContent = (p.element ? p.element + ': ' : '') + message + (p.code ? ' [' + p.code + ']' : '');
      li.dataset.element = p.element || '';
      if (p.severity === 'warning') li.className = 'warning';
      problemsList.appendChild(li);
      var element = p.element && svc('elementRegistry').get(p.element);
      if (element) {
        svc('canvas').addMarker(element.id, 'has-problem');
        var badge = document.createElement('div');
        badge.className = 'bpmn-problem' + (p.severity === 'warning' ? ' warning' : '');
        badge.title = message;
        badge.textContent = '! ' + (p.code || '');
        svc('overlays').add(element.id, 'problem', { position: { top: -14, left: 0 }, html: badge });
      }
    });
  }

  function post(url, xml) {
    return modeler.saveXML({ format: true }).then(function (saved) {
      return fetch(url, { method: 'POST', credentials: 'same-origin', body: saved.xml,
                          headers: { 'Content-Type': 'application/xml', 'X-CSRF-Token': csrf } });
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, status: response.status, body: body }; });
    });
  }

  function validate() {
    clearProblems();
    result.className = '';
    result.textContent = '…';
    return post('/api/process-definitions/validate').then(function (r) {
      if (r.ok) { result.textContent = text.valid; result.className = 'ok'; showProblems(r.body.warnings || []); return true; }
      result.textContent = text.invalid + ': ' + (r.body.detail || r.status);
      result.className = 'error';
      showProblems(r.body.problems || []);
      return false;
    });
  }

  document.getElementById('validate').addEventListener('click', validate);
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
  document.getElementById('deploy').addEventListener('click', function () {
    validate().then(function (ok) {
      if (!ok) return;
      var comment = encodeURIComponent(document.getElementById('deploy-comment').value || '');
      return post('/api/process-definitions?comment=' + comment).then(function (r) {
        if (!r.ok) {
          result.textContent = text.invalid + ': ' + (r.body.detail || r.status);
          result.className = 'error';
          showProblems(r.body.problems || []);
          return;
        }
        result.className = 'ok';
        result.innerHTML = '';
        var span = document.createElement('span');
        span.id = 'deployed-version';
        span.textContent = text.deployed + ' v' + r.body.version;
        var link = document.createElement('a');
        link.href = root.dataset.listUrl;
        link.textContent = ' · ' + text.versions;
        result.appendChild(span); result.appendChild(link);
      });
    });
  });

  fetch(root.dataset.xmlUrl, { credentials: 'same-origin' })
    .then(function (r) { return r.text(); })
    .then(function (xml) { return modeler.importXML(xml); })
    .then(function () { svc('canvas').zoom('fit-viewport'); fillPicker(); root.dataset.ready = '1'; })
    .catch(function (err) { result.className = 'error'; result.textContent = String(err); });
})();
