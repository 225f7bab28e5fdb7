// Small page helpers: the scoring sheet's running totals and "add a row" for repeated fields.
(function () {
  function updateTotal(section) {
    var inputs = section.querySelectorAll('.score-input');
    var sum = 0, weights = 0;
    inputs.forEach(function (input) {
      var max = parseFloat(input.dataset.max), weight = parseFloat(input.dataset.weight);
      var value = parseFloat(input.value);
      weights += weight;
      if (!isNaN(value)) sum += Math.min(Math.max(value, 0), max) / max * weight;
    });
    var out = section.querySelector('output.total');
    if (out) out.textContent = weights ? (Math.round(sum * 100 / weights * 100) / 100).toFixed(2) : '0';
  }
  document.querySelectorAll('.score-item').forEach(function (section) {
    section.addEventListener('input', function () { updateTotal(section); });
    updateTotal(section);
  });
  var scoring = document.getElementById('scoring-form');
  if (scoring) {
    scoring.addEventListener('submit', function () {
      var button = document.getElementById('submit-scores');
      if (button) { button.disabled = true; }
    });
  }
  document.querySelectorAll('button.add-row').forEach(function (button) {
    button.addEventListener('click', function () {
      var rows = document.querySelector('[data-rows="' + button.dataset.target + '"]');
      var items = rows.querySelectorAll('.row-item');
      var last = items[items.length - 1];
      var next = items.length;
      var copy = last.cloneNode(true);
      copy.dataset.index = next;
      copy.querySelectorAll('[name]').forEach(function (el) {
        el.name = el.name.replace(/\.\d+\./, '.' + next + '.');
        el.id = 'f-' + el.name;
        el.value = '';
      });
      copy.querySelectorAll('label[for]').forEach(function (el) { el.htmlFor = el.htmlFor.replace(/\.\d+\./, '.' + next + '.'); });
      copy.querySelectorAll('.field-error').forEach(function (el) { el.remove(); });
      rows.appendChild(copy);
    });
  });
})();
