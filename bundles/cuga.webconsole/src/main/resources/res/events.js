// cuga console, Events page: asks the plugin's feed for the events after the last one shown, once a second,
// and adds them at the top of the table (text only, never markup from an event). A type filter hides rows
// whose type does not match ("tool.call.*" is a prefix, several separated by commas).
(function () {
  'use strict';
  var table = document.getElementById('cuga-events');
  if (!table) {
    return;
  }
  var body = table.tBodies[0];
  var feed = table.getAttribute('data-feed');
  var last = Number(table.getAttribute('data-last')) || 0;
  var paused = false;
  var state = document.getElementById('cuga-event-state');
  var filter = document.getElementById('cuga-event-filter');
  var pause = document.getElementById('cuga-event-pause');
  var MAX_ROWS = 500;

  function matches(type) {
    var f = (filter && filter.value || '').trim();
    if (!f) {
      return true;
    }
    return f.split(',').some(function (p) {
      p = p.trim();
      if (!p) {
        return false;
      }
      return p.charAt(p.length - 1) === '*' ? type.indexOf(p.slice(0, -1)) === 0 : type === p;
    });
  }
  function applyFilter() {
    Array.prototype.forEach.call(body.rows, function (row) {
      row.style.display = matches(row.getAttribute('data-type') || '') ? '' : 'none';
    });
  }
  function cell(row, text) {
    var td = document.createElement('td');
    td.textContent = text;
    row.appendChild(td);
    return td;
  }
  function attributes(td, value) {
    var keys = Object.keys(value || {});
    if (!keys.length) {
      return;
    }
    var dl = document.createElement('dl');
    dl.className = 'cuga-kv';
    keys.forEach(function (k) {
      var dt = document.createElement('dt');
      dt.textContent = k;
      var dd = document.createElement('dd');
      var v = value[k];
      dd.textContent = v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v);
      dl.appendChild(dt);
      dl.appendChild(dd);
    });
    td.appendChild(dl);
  }
  function add(e) {
    var row = document.createElement('tr');
    row.setAttribute('data-type', e.type);
    cell(row, String(e.seq));
    cell(row, e.time);
    cell(row, e.type);
    cell(row, e.status);
    cell(row, e.profile + (e.session ? ' / ' + e.session : ''));
    cell(row, e.durationMs > 0 ? e.durationMs.toFixed(1) + ' ms' : '');
    attributes(cell(row, ''), e.attributes);
    cell(row, e.traceId ? e.traceId.slice(0, 8) + '\u2026' : '');
    row.style.display = matches(e.type) ? '' : 'none';
    body.insertBefore(row, body.firstChild);
    while (body.rows.length > MAX_ROWS) {
      body.deleteRow(body.rows.length - 1);
    }
  }
  function poll() {
    if (paused) {
      setTimeout(poll, 1000);
      return;
    }
    var xhr = new XMLHttpRequest();
    xhr.open('GET', feed + '?after=' + last);
    xhr.onload = function () {
      if (xhr.status === 200) {
        var data = JSON.parse(xhr.responseText);
        if (data.last < last) {
          last = 0;
        }
        data.events.forEach(add);
        if (data.events.length) {
          last = data.events[data.events.length - 1].seq;
        }
        state.textContent = data.missed > 0 ? data.missed + ' events were missed (too many at once)' : 'live';
      } else {
        state.textContent = 'feed answered ' + xhr.status;
      }
      setTimeout(poll, 1000);
    };
    xhr.onerror = function () {
      state.textContent = 'server unreachable, retrying';
      setTimeout(poll, 3000);
    };
    xhr.send();
  }
  if (filter) {
    filter.addEventListener('input', applyFilter);
  }
  if (pause) {
    pause.addEventListener('click', function () {
      paused = !paused;
      pause.textContent = paused ? 'Resume' : 'Pause';
      state.textContent = paused ? 'paused' : 'live';
    });
  }
  poll();
})();
