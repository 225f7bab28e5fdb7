// Small page helpers: the scoring sheet's running totals and "add a row" for repeated fields.
(function () {
  // A plain decimal ("85.5", "30", "1e-05") as an exact fraction of BigInts; a negative or unreadable one is null.
  function fraction(text) {
    var m = /^\s*(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(String(text));
    if (!m || (!m[1] && !m[2])) return null;
    var decimals = m[2] || '', exp = parseInt(m[3] || '0', 10) - decimals.length;
    var n = BigInt((m[1] || '') + decimals || '0');
    return exp >= 0 ? {n: n * 10n ** BigInt(exp), d: 1n} : {n: n, d: 10n ** BigInt(-exp)};
  }
  function add(a, b) { return {n: a.n * b.d + b.n * a.d, d: a.d * b.d}; }
  function less(a, b) { return a.n * b.d < b.n * a.d; }

  // A scorer's weighted total, value / max × weight × 100 / Σ weight, rounded by the campaign's rule: the rule of
  // handlers/scoring.py weighted_total (Decimal there, exact fractions here). The page receives the rule from the
  // server (data-decimals, data-rounding on each item: the campaign's scoring_rules), default 2 decimals half up.
  // rows: [{value, max, weight}] as text; an empty value counts 0. A value below 0, above its maximum or unreadable
  // makes the total null: an out-of-range value never shows in the running total.
  function weightedTotal(rows, rule) {
    var decimals = rule && rule.decimals !== undefined ? parseInt(rule.decimals, 10) : 2;
    var rounding = rule && rule.rounding ? rule.rounding : 'half_up';
    var sum = {n: 0n, d: 1n}, weights = {n: 0n, d: 1n};
    for (var i = 0; i < rows.length; i++) {
      var max = fraction(rows[i].max), weight = fraction(rows[i].weight);
      if (!max || !weight || max.n === 0n) return null;
      weights = add(weights, weight);
      if (String(rows[i].value).trim() === '') continue;
      var value = fraction(rows[i].value);
      if (!value || less(max, value)) return null;
      sum = add(sum, {n: value.n * max.d * weight.n, d: value.d * max.n * weight.d});
    }
    if (weights.n === 0n) return null;
    var scale = 10n ** BigInt(decimals);
    var n = sum.n * weights.d * 100n * scale, d = sum.d * weights.n;  // the total in units of the last decimal
    var units = n / d, twice = 2n * (n % d);
    if (twice > d || (twice === d && (rounding === 'half_up' || units % 2n === 1n))) units += 1n;
    if (decimals === 0) return String(units);
    var frac = String(units % scale);
    while (frac.length < decimals) frac = '0' + frac;
    return String(units / scale) + '.' + frac;
  }
  window.appraisalScoring = {weightedTotal: weightedTotal};

  function updateTotal(section) {
    var rows = [], bad = false;
    section.querySelectorAll('.score-input').forEach(function (input) {
      rows.push({value: input.value, max: input.dataset.max, weight: input.dataset.weight});
      var alone = weightedTotal([{value: input.value, max: input.dataset.max, weight: '1'}]) === null;
      input.setAttribute('aria-invalid', alone ? 'true' : 'false');
      bad = bad || alone;
    });
    var total = weightedTotal(rows, {decimals: section.dataset.decimals, rounding: section.dataset.rounding});
    var out = section.querySelector('output.total');
    if (out) out.textContent = total === null ? '—' : total;
    var note = section.querySelector('.out-of-range');
    if (note) note.hidden = !bad;
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
  document.querySelectorAll('[data-action="print"]').forEach(function (button) {
    button.addEventListener('click', function () { window.print(); });
  });
})();
