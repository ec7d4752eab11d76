// Measures a rendered report page in the browser: what tests/browser.rs asserts. Injected into
// a copy of the page (the page itself has no JavaScript); it writes its figures as JSON into a
// "pre" element with the id __measure, which `chromium --dump-dom` prints.
(function () {
  var de = document.documentElement, out = {};
  out.inner_width = innerWidth;
  out.height = de.scrollHeight;
  out.width = de.scrollWidth;
  out.side_scroll = de.scrollWidth > innerWidth + 2;
  var h2 = document.querySelector('h2');
  var first = h2 && h2.closest('section[id]');
  out.first_h2_section = first ? first.id : null;
  var answer = document.getElementById('answer');
  out.answer_top = answer ? Math.round(answer.getBoundingClientRect().top + scrollY) : null;
  out.answer_bottom = answer ? Math.round(answer.getBoundingClientRect().bottom + scrollY) : null;
  var table = answer && answer.querySelector('table');
  out.answer_table_bottom = table ? Math.round(table.getBoundingClientRect().bottom + scrollY) : null;
  // Text boxes inside each SVG that overlap by more than a fifth of the smaller one.
  var overlaps = 0, examples = [];
  document.querySelectorAll('svg').forEach(function (svg) {
    var boxes = [];
    svg.querySelectorAll('text').forEach(function (t) {
      var r = t.getBoundingClientRect();
      if (r.width > 0 && r.height > 0 && t.textContent.trim()) boxes.push([r, t.textContent.trim()]);
    });
    for (var i = 0; i < boxes.length; i++) {
      for (var j = i + 1; j < boxes.length; j++) {
        var p = boxes[i][0], q = boxes[j][0];
        var w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
        var h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
        if (w > 1 && h > 1 && w * h > 0.2 * Math.min(p.width * p.height, q.width * q.height)) {
          overlaps++;
          if (examples.length < 5) examples.push(boxes[i][1] + ' / ' + boxes[j][1]);
        }
      }
    }
  });
  out.svg_text_overlaps = overlaps;
  out.overlap_examples = examples;
  // Tables beside a key chart (in a .pair) that scroll inside their own box.
  out.clipped_beside_chart = [];
  document.querySelectorAll('.pair > .scroll').forEach(function (box) {
    if (box.scrollWidth > box.clientWidth + 1) {
      var t = box.querySelector('table');
      out.clipped_beside_chart.push((t && t.id) || '?');
    }
  });
  out.svgs = document.querySelectorAll('svg').length;
  out.open_details = document.querySelectorAll('details[open]').length;
  out.scripts = document.querySelectorAll('script').length - 1;
  var pre = document.createElement('pre');
  pre.id = '__measure';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
