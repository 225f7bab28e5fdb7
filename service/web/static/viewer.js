// The instance viewer: completed elements green, active yellow, failed (an incident) red, the rest grey.
(function () {
  var root = document.getElementById('viewer');
  if (typeof BpmnJS === 'undefined') {
    root.textContent = 'bpmn-js is missing from static/vendor: run `make install` (npm ci copies it there).';
    return;
  }
  var viewer = new BpmnJS({ container: root });
  var completed = root.dataset.completed ? root.dataset.completed.split(',') : [];
  var active = root.dataset.active ? root.dataset.active.split(',') : [];
  var failed = root.dataset.failed ? root.dataset.failed.split(',') : [];
  fetch(root.dataset.xmlUrl, { credentials: 'same-origin' })
    .then(function (r) { return r.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get('canvas');
      canvas.zoom('fit-viewport');
      viewer.get('elementRegistry').forEach(function (e) {
        if (e.type === 'label' || e.type === 'bpmn:Process' || e.type === 'bpmn:Collaboration' || e.type === 'bpmn:Participant'
            || e.type === 'bpmn:Lane' || e.type === 'bpmn:SequenceFlow') return;
        var marker = failed.indexOf(e.id) >= 0 ? 'el-failed' : active.indexOf(e.id) >= 0 ? 'el-active'
          : (completed.indexOf(e.id) >= 0 ? 'el-completed' : 'el-pending');
        canvas.addMarker(e.id, marker);
      });
      root.dataset.ready = '1';
    });
})();
