// `tapegrad playground DIR`: a page (DIR/index.html, opened from disk: no server, no network) on
// which students change the lecture's values and step through the forward and backward pass node
// by node, apply the update w := w - alpha dw and iterate. The numbers come from tapegrad itself,
// compiled to WebAssembly with emscripten (tools/playground_module.cpp, built by CMake when em++
// is found) and written into the page; the lecture's closed forms are computed beside them by the
// page. The values are in the address (#x1=1&x2=2&w1=0.5&w2=-0.25&b=0.1&y=1&alpha=0.1, and
// step=N for step N of 9); elements value-z, value-a, value-L, grad-a, grad-z, grad-w1, grad-w2,
// grad-b, next-w1, next-w2, next-b and next-L hold the numbers (10 significant digits) once the
// step that computes them is reached.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "commands.hpp"
#include "output.hpp"

namespace tapegrad::tool {
namespace {

namespace fs = std::filesystem;

#ifndef TAPEGRAD_PLAYGROUND_BUILT
#define TAPEGRAD_PLAYGROUND_BUILT 0
#endif

struct PlaygroundArgs {
  std::string dir;
  std::string lang = "en";
};

// The page; @LANG@ becomes en or ko, @ENGINE@ the emscripten script with the module inlined.
constexpr std::string_view kPage = R"PAGE(<!DOCTYPE html>
<html lang="@LANG@">
<head>
<meta charset="utf-8">
<title>tapegrad playground</title>
<style>
body { font-family: sans-serif; margin: 1.5em; max-width: 70em; }
fieldset { display: inline-block; margin: 0 0 0.8em 0; }
fieldset label { margin-right: 0.8em; white-space: nowrap; }
fieldset input { width: 6em; }
nav button { font-size: 1em; padding: 0.3em 0.8em; margin: 0.2em 0.2em 0.2em 0; }
#explanation { font-size: 1.1em; min-height: 3.5em; background: #f6f6f6; padding: 0.6em; }
#graph { border: 1px solid #ddd; max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: 0.6em 0; }
td, th { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: right; font-family: monospace; }
th { background: #f0f0f0; }
.error { color: #b00020; }
</style>
</head>
<body>
<h1 id="title"></h1>
<p id="intro"></p>
<fieldset id="inputs"></fieldset>
<nav>
<button id="reset" type="button"></button>
<button id="back" type="button"></button>
<button id="forward" type="button"></button>
<button id="all" type="button"></button>
<button id="update" type="button"></button>
<button id="iterate" type="button"></button>
<span id="counter"></span>
</nav>
<p id="explanation"></p>
<svg id="graph" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 980 370" width="980" height="370"></svg>
<table id="numbers"></table>
<h2 id="iterations-title"></h2>
<table id="iterations"></table>
<script>
var LANG = '@LANG@';
var TEXT = {
  en: {
    title: 'tapegrad playground: logistic regression on one example',
    intro: 'Change x1, x2, w1, w2, b, y and the learning rate \u03b1, then step through the forward and backward pass node by node. Every number is computed by tapegrad itself, compiled to WebAssembly; the lecture\'s formulas are shown beside them. The address (#x1=1&x2=2&...) keeps the values.',
    reset: '|\u2190 Start', back: '\u2190 Step back', forward: 'Step \u2192', all: 'Run all',
    update: 'Apply update', iterate: 'Next iteration (w := new w)',
    step: 'Step', of: 'of', start: 'Nothing computed yet: press "Step \u2192" for the forward pass.',
    forwardPass: 'Forward', backwardPass: 'Backward', lecture: 'lecture', autodiff: 'tapegrad',
    update_: 'Update', newLoss: 'new loss', was: 'was', quantity: 'quantity', value: 'value',
    closed: 'lecture\'s closed form', iterationsTitle: 'Gradient-descent iterations',
    iteration: 'iteration', loading: 'Loading the WebAssembly engine\u2026',
    bad: 'Not a number: ', label: 'y is a label: 0 or 1',
    input: 'input', parameter: 'parameter', newWb: 'new w, b'
  },
  ko: {
    title: 'tapegrad \ub180\uc774\ud130: \ud6c8\ub828 \uc608\uc81c \ud558\ub098\uc758 \ub85c\uc9c0\uc2a4\ud2f1 \ud68c\uadc0',
    intro: 'x1, x2, w1, w2, b, y\uc640 \ud559\uc2b5\ub960 \u03b1\ub97c \ubc14\uafbc \ub4a4 \uc21c\uc804\ud30c\uc640 \uc5ed\uc804\ud30c\ub97c \ub178\ub4dc \ud558\ub098\uc529 \ub530\ub77c\uac00 \ubcf4\uc138\uc694. \ubaa8\ub4e0 \uc218\ub294 WebAssembly\ub85c \ucef4\ud30c\uc77c\ud55c tapegrad\uac00 \uc9c1\uc811 \uacc4\uc0b0\ud558\uace0, \uac15\uc758\uc758 \uacf5\uc2dd\uc744 \uc606\uc5d0 \ubcf4\uc5ec \uc90d\ub2c8\ub2e4. \uc8fc\uc18c(#x1=1&x2=2&...)\uc5d0 \uac12\uc774 \ub0a8\uc2b5\ub2c8\ub2e4.',
    reset: '|\u2190 \ucc98\uc74c\uc73c\ub85c', back: '\u2190 \ud55c \ub2e8\uacc4 \ub4a4\ub85c', forward: '\ud55c \ub2e8\uacc4 \uc55e\uc73c\ub85c \u2192', all: '\ubaa8\ub450 \uacc4\uc0b0',
    update: '\uc5c5\ub370\uc774\ud2b8 \uc801\uc6a9', iterate: '\ub2e4\uc74c \ubc18\ubcf5 (w := \uc0c8 w)',
    step: '\ub2e8\uacc4', of: '/', start: '\uc544\uc9c1 \uc544\ubb34\uac83\ub3c4 \uacc4\uc0b0\ud558\uc9c0 \uc54a\uc558\uc2b5\ub2c8\ub2e4. "\ud55c \ub2e8\uacc4 \uc55e\uc73c\ub85c"\ub97c \ub20c\ub7ec \uc21c\uc804\ud30c\ub97c \uc2dc\uc791\ud558\uc138\uc694.',
    forwardPass: '\uc21c\uc804\ud30c', backwardPass: '\uc5ed\uc804\ud30c', lecture: '\uac15\uc758 \uacf5\uc2dd', autodiff: 'tapegrad',
    update_: '\uc5c5\ub370\uc774\ud2b8', newLoss: '\uc0c8 \uc190\uc2e4', was: '\uc774\uc804', quantity: '\uc591', value: '\uac12',
    closed: '\uac15\uc758\uc758 \ub2eb\ud78c \ud615\ud0dc', iterationsTitle: '\uae30\uc6b8\uae30 \ud558\uac15 \ubc18\ubcf5',
    iteration: '\ubc18\ubcf5', loading: 'WebAssembly \uc5d4\uc9c4\uc744 \ubd88\ub7ec\uc624\ub294 \uc911\u2026',
    bad: '\uc22b\uc790\uac00 \uc544\ub2d9\ub2c8\ub2e4: ', label: 'y\ub294 \ub808\uc774\ube14: 0 \ub610\ub294 1',
    input: '\uc785\ub825', parameter: '\ub9e4\uac1c\ubcc0\uc218', newWb: '\uc0c8 w, b'
  }
};
var T = TEXT[LANG] || TEXT.en;
var NAMES = ['x1', 'x2', 'w1', 'w2', 'b', 'y', 'alpha'];
var DEFAULTS = {x1: 1, x2: 2, w1: 0.5, w2: -0.25, b: 0.1, y: 1, alpha: 0.1};
var LAST = 9;
var values = {}, results = null, stage = LAST, history_ = [];

// %.10g, as tapegrad's terminal output prints numbers.
function g10(x) {
  if (!isFinite(x)) return isNaN(x) ? 'nan' : (x < 0 ? '-inf' : 'inf');
  if (x === 0) return 1 / x < 0 ? '-0' : '0';
  var parts = x.toExponential(9).split('e');
  var exp = parseInt(parts[1], 10);
  if (exp < -4 || exp >= 10) {
    var a = Math.abs(exp);
    return parts[0].replace(/\.?0+$/, '') + 'e' + (exp < 0 ? '-' : '+') + (a < 10 ? '0' + a : a);
  }
  var s = x.toFixed(9 - exp);
  return s.indexOf('.') >= 0 ? s.replace(/\.?0+$/, '') : s;
}

function fromHash() {
  var out = {};
  for (var k in DEFAULTS) out[k] = DEFAULTS[k];
  var step = LAST;
  window.location.hash.replace(/^#/, '').split('&').forEach(function (pair) {
    var kv = pair.split('=');
    if (kv.length !== 2) return;
    var v = Number(decodeURIComponent(kv[1]));
    if (kv[0] === 'step' && isFinite(v)) step = Math.min(Math.max(Math.round(v), 0), LAST);
    else if (NAMES.indexOf(kv[0]) >= 0 && kv[1] !== '' && isFinite(v)) out[kv[0]] = v;
  });
  return {values: out, step: step};
}

function toHash() {
  var parts = NAMES.map(function (k) { return k + '=' + values[k]; });
  if (stage !== LAST) parts.push('step=' + stage);
  try { history.replaceState(null, '', '#' + parts.join('&')); } catch (e) {}
}

// tapegrad, compiled to WebAssembly, records the lecture graph at these values.
function compute() {
  var n = Module._tg_lecture(values.x1, values.x2, values.w1, values.w2, values.b, values.y,
                             values.alpha);
  if (n === 0) { results = null; return; }
  var p = Module._tg_results(), r = [];
  for (var k = 0; k < n; ++k) r.push(Module.getValue(p + 8 * k, 'double'));
  results = {z: r[0], a: r[1], L: r[2], da: r[3], dz: r[4], dw1: r[5], dw2: r[6], db: r[7],
             dLda: r[8], dadz: r[9], nw1: r[10], nw2: r[11], nb: r[12], nL: r[13]};
}

// The lecture's closed forms, computed here from the values alone.
function lecture() {
  var v = values, z = v.w1 * v.x1 + v.w2 * v.x2 + v.b, a = 1 / (1 + Math.exp(-z)), dz = a - v.y;
  return {z: z, a: a, da: -v.y / a + (1 - v.y) / (1 - a), dz: dz, dw1: v.x1 * dz,
          dw2: v.x2 * dz, db: dz, aa: a * (1 - a)};
}

// [id, label, first stage at which it is known, result key, closed form]
var NUMBERS = [
  ['value-z', 'z = w1 x1 + w2 x2 + b', 1, 'z', 'w1 x1 + w2 x2 + b', 'z'],
  ['value-a', 'a = \u03c3(z)', 2, 'a', '1 / (1 + e^-z)', 'a'],
  ['value-L', 'L(a, y)', 3, 'L', '-(y log a + (1-y) log(1-a))', null],
  ['grad-a', 'da = dL/da', 4, 'da', '-y/a + (1-y)/(1-a)', 'da'],
  ['grad-z', 'dz = da \u00b7 a(1-a)', 5, 'dz', 'a - y', 'dz'],
  ['grad-w1', 'dw1 = dz \u00b7 \u2202z/\u2202w1', 6, 'dw1', 'x1 dz', 'dw1'],
  ['grad-w2', 'dw2 = dz \u00b7 \u2202z/\u2202w2', 7, 'dw2', 'x2 dz', 'dw2'],
  ['grad-b', 'db = dz \u00b7 \u2202z/\u2202b', 8, 'db', 'dz', 'db'],
  ['next-w1', 'w1 := w1 - \u03b1 dw1', 9, 'nw1', '', null],
  ['next-w2', 'w2 := w2 - \u03b1 dw2', 9, 'nw2', '', null],
  ['next-b', 'b := b - \u03b1 db', 9, 'nb', '', null],
  ['next-L', 'L(' + T.newWb + ')', 9, 'nL', '', null]
];

function explanation() {
  if (!results) return '';
  var r = results, c = lecture(), v = values, F = T.forwardPass, B = T.backwardPass;
  switch (stage) {
    case 0: return T.start;
    case 1: return F + ': z = w1\u00b7x1 + w2\u00b7x2 + b = ' + g10(v.w1) + '\u00b7' + g10(v.x1) + ' + ' +
                   g10(v.w2) + '\u00b7' + g10(v.x2) + ' + ' + g10(v.b) + ' = ' + g10(r.z);
    case 2: return F + ': a = \u03c3(z) = 1 / (1 + e^-z) = ' + g10(r.a);
    case 3: return F + ': L(a, y) = -(y log a + (1-y) log(1-a)) = ' + g10(r.L);
    case 4: return B + ': da = dL/da = -y/a + (1-y)/(1-a) = ' + g10(r.dLda) + ' (' + T.autodiff +
                   ': ' + g10(r.da) + '; ' + T.lecture + ': ' + g10(c.da) + ')';
    case 5: return B + ': dz = dL/da \u00b7 da/dz = da \u00b7 a(1-a) = ' + g10(r.da) + ' \u00d7 ' +
                   g10(r.dadz) + ' = ' + g10(r.dz) + ' (' + T.lecture + ': dz = a - y = ' + g10(c.dz) + ')';
    case 6: return B + ': dw1 = dz \u00b7 \u2202z/\u2202w1 = dz \u00b7 x1 = ' + g10(r.dz) + ' \u00d7 ' + g10(v.x1) +
                   ' = ' + g10(r.dw1) + ' (' + T.lecture + ': x1 dz = ' + g10(c.dw1) + ')';
    case 7: return B + ': dw2 = dz \u00b7 \u2202z/\u2202w2 = dz \u00b7 x2 = ' + g10(r.dz) + ' \u00d7 ' + g10(v.x2) +
                   ' = ' + g10(r.dw2) + ' (' + T.lecture + ': x2 dz = ' + g10(c.dw2) + ')';
    case 8: return B + ': db = dz \u00b7 \u2202z/\u2202b = dz \u00b7 1 = ' + g10(r.db) + ' (' + T.lecture +
                   ': db = dz = ' + g10(c.db) + ')';
    default: return T.update_ + ' (\u03b1 = ' + g10(v.alpha) + '): w1 := ' + g10(v.w1) + ' - ' +
                   g10(v.alpha) + ' \u00d7 ' + g10(r.dw1) + ' = ' + g10(r.nw1) + ', w2 := ' +
                   g10(v.w2) + ' - ' + g10(v.alpha) + ' \u00d7 ' + g10(r.dw2) + ' = ' + g10(r.nw2) +
                   ', b := ' + g10(v.b) + ' - ' + g10(v.alpha) + ' \u00d7 ' + g10(r.db) + ' = ' +
                   g10(r.nb) + '; ' + T.newLoss + ' L = ' + g10(r.nL) + ' (' + T.was + ' ' + g10(r.L) + ')';
  }
}

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// The lecture's graph: x1, w1, x2, w2, b -> z -> a -> L <- y.
var NODES = [
  {id: 'x1', x: 10, y: 10, kind: 'input'}, {id: 'w1', x: 10, y: 80, kind: 'parameter', grad: 6},
  {id: 'x2', x: 10, y: 150, kind: 'input'}, {id: 'w2', x: 10, y: 220, kind: 'parameter', grad: 7},
  {id: 'b', x: 10, y: 290, kind: 'parameter', grad: 8},
  {id: 'z', x: 250, y: 150, text: 'z = w1x1 + w2x2 + b', value: 1, grad: 5},
  {id: 'a', x: 530, y: 150, text: 'a = \u03c3(z)', value: 2, grad: 4},
  {id: 'y', x: 530, y: 290, kind: 'input'},
  {id: 'L', x: 800, y: 150, text: 'L(a, y)', value: 3, grad: 3}];
var EDGES = [['x1', 'z', 6, '\u2202z/\u2202x1 = w1'], ['w1', 'z', 6, '\u2202z/\u2202w1 = x1'],
             ['x2', 'z', 7, '\u2202z/\u2202x2 = w2'], ['w2', 'z', 7, '\u2202z/\u2202w2 = x2'],
             ['b', 'z', 8, '\u2202z/\u2202b = 1'], ['z', 'a', 5, 'da/dz = a(1-a)'],
             ['a', 'L', 4, 'dL/da'], ['y', 'L', 99, '']];
var CURRENT = {1: 'z', 2: 'a', 3: 'L', 4: 'a', 5: 'z', 6: 'w1', 7: 'w2', 8: 'b'};

function draw() {
  var byId = {}, svg = '', r = results || {};
  var leafValue = {x1: values.x1, x2: values.x2, w1: values.w1, w2: values.w2, b: values.b, y: values.y};
  var nodeValue = {z: r.z, a: r.a, L: r.L};
  var grads = {a: r.da, z: r.dz, w1: r.dw1, w2: r.dw2, b: r.db, L: 1};
  NODES.forEach(function (n) { byId[n.id] = n; });
  svg += '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" ' +
         'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>';
  EDGES.forEach(function (e) {
    var s = byId[e[0]], t = byId[e[1]], x1 = s.x + 170, y1 = s.y + 29, x2 = t.x, y2 = t.y + 29;
    var hot = stage >= e[2] && stage < e[2] + 1;
    svg += '<line x1="' + x1 + '" y1="' + y1 + '" x2="' + x2 + '" y2="' + y2 + '" stroke="' +
           (hot ? '#d62728' : '#555') + '" stroke-width="' + (hot ? 2.5 : 1.2) +
           '" marker-end="url(#arrow)"/>';
    if (stage >= e[2] && e[3]) {
      svg += '<text x="' + ((x1 + x2) / 2) + '" y="' + ((y1 + y2) / 2 - 4) +
             '" font-size="10" text-anchor="middle" fill="' + (hot ? '#d62728' : '#555') + '">' +
             esc(e[3]) + '</text>';
    }
  });
  NODES.forEach(function (n) {
    var current = CURRENT[stage] === n.id;
    var fill = n.kind === 'parameter' ? '#cfe2ff' : n.kind === 'input' ? '#eeeeee' : '#ffffff';
    svg += '<g id="node-' + n.id + '"><rect x="' + n.x + '" y="' + n.y + '" width="170" height="58" rx="6" fill="' +
           fill + '" stroke="' + (current ? '#d62728' : '#333') + '" stroke-width="' +
           (current ? 3 : 1) + '"/>';
    var lines = [n.text || (n.id + ' (' + T[n.kind] + ')')];
    if (n.kind) lines.push('= ' + g10(leafValue[n.id]));
    else lines.push(stage >= n.value && results ? '= ' + g10(nodeValue[n.id]) : '= ?');
    if (n.grad) lines.push('d' + n.id + ' = ' + (stage >= n.grad + (n.id === 'L' ? 1 : 0) && results ? g10(grads[n.id]) : '?'));
    lines.forEach(function (line, i) {
      svg += '<text x="' + (n.x + 85) + '" y="' + (n.y + 17 + 16 * i) +
             '" font-size="12" text-anchor="middle">' + esc(line) + '</text>';
    });
    svg += '</g>';
  });
  document.getElementById('graph').innerHTML = svg;
}

function render() {
  var c = results ? lecture() : null;
  var rows = '<tr><th>' + T.quantity + '</th><th>' + T.autodiff + '</th><th>' + T.closed + '</th></tr>';
  NUMBERS.forEach(function (n) {
    var known = results && stage >= n[2];
    var closed = known && n[5] ? n[4] + ' = ' + g10(c[n[5]]) : (n[4] || '');
    rows += '<tr><th>' + esc(n[1]) + '</th><td id="' + n[0] + '">' + (known ? g10(results[n[3]]) : '') +
            '</td><td>' + esc(known ? closed : '') + '</td></tr>';
  });
  document.getElementById('numbers').innerHTML = rows;
  document.getElementById('explanation').textContent =
      results ? explanation() : T.bad + NAMES.map(function (k) { return k + '=' + values[k]; }).join(' ');
  document.getElementById('counter').textContent = T.step + ' ' + stage + ' ' + T.of + ' ' + LAST;
  document.body.setAttribute('data-step', String(stage));
  document.body.setAttribute('data-ready', 'true');  // the engine has run
  var it = '<tr><th>' + T.iteration + '</th><th>w1</th><th>w2</th><th>b</th><th>L</th></tr>';
  history_.forEach(function (h, i) {
    it += '<tr><td>' + i + '</td><td>' + g10(h.w1) + '</td><td>' + g10(h.w2) + '</td><td>' +
          g10(h.b) + '</td><td>' + g10(h.L) + '</td></tr>';
  });
  document.getElementById('iterations').innerHTML = it;
  draw();
  toHash();
}

function readInputs() {
  NAMES.forEach(function (k) {
    var v = Number(document.getElementById('in-' + k).value);
    if (isFinite(v) && document.getElementById('in-' + k).value !== '') values[k] = v;
  });
  history_ = [];
  compute();
  render();
}

function writeInputs() {
  NAMES.forEach(function (k) { document.getElementById('in-' + k).value = String(values[k]); });
}

function start() {
  var h = fromHash();
  values = h.values;
  stage = h.step;
  var html = '';
  NAMES.forEach(function (k) {
    var name = k === 'alpha' ? '\u03b1' : k;
    var title = k === 'y' ? ' title="' + T.label + '"' : '';
    html += '<label>' + name + ' <input id="in-' + k + '" type="number" step="any"' + title + '></label>';
  });
  document.getElementById('inputs').innerHTML = html;
  writeInputs();
  NAMES.forEach(function (k) {
    document.getElementById('in-' + k).addEventListener('change', readInputs);
  });
  ['reset', 'back', 'forward', 'all', 'update', 'iterate'].forEach(function (id) {
    document.getElementById(id).textContent = T[id];
  });
  document.getElementById('reset').addEventListener('click', function () { stage = 0; render(); });
  document.getElementById('back').addEventListener('click', function () { stage = Math.max(stage - 1, 0); render(); });
  document.getElementById('forward').addEventListener('click', function () { stage = Math.min(stage + 1, LAST); render(); });
  document.getElementById('all').addEventListener('click', function () { stage = 8; render(); });
  document.getElementById('update').addEventListener('click', function () { stage = LAST; render(); });
  document.getElementById('iterate').addEventListener('click', function () {
    if (!results) return;
    if (history_.length === 0) history_.push({w1: values.w1, w2: values.w2, b: values.b, L: results.L});
    values.w1 = results.nw1; values.w2 = results.nw2; values.b = results.nb;
    history_.push({w1: values.w1, w2: values.w2, b: values.b, L: results.nL});
    writeInputs();
    compute();
    stage = LAST;
    render();
  });
  window.addEventListener('hashchange', function () {
    var h2 = fromHash();
    var same = NAMES.every(function (k) { return h2.values[k] === values[k]; });
    if (same && h2.step === stage) return;
    values = h2.values; stage = h2.step; writeInputs(); compute(); render();
  });
  compute();
  render();
}

document.getElementById('title').textContent = T.title;
document.getElementById('intro').textContent = T.intro;
document.getElementById('explanation').textContent = T.loading;
document.getElementById('iterations-title').textContent = T.iterationsTitle;
var Module = {onRuntimeInitialized: start};
</script>
<script>
@ENGINE@
</script>
</body>
</html>
)PAGE";

int run_playground(const PlaygroundArgs& args) {
  const fs::path engine = installed_file("playground.js");
  if (!fs::exists(engine)) {
    if (TAPEGRAD_PLAYGROUND_BUILT == 0) {
      detail::fail("playground", "engine",
                   "this tapegrad was built without emscripten, so the page's WebAssembly engine "
                   "is missing: install emscripten and node-acorn (apt-get install emscripten "
                   "node-acorn) and build again");
    }
    detail::fail("playground", "engine", "{} is missing: install tapegrad again",
                 shown_path(engine));
  }
  const std::string script = read_whole(engine);
  if (script.empty() || script.find("</script") != std::string::npos) {
    detail::fail("playground", shown_path(engine), "is empty or not the playground's engine");
  }
  const fs::path dir(args.dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    detail::fail("playground", "DIR", "cannot create folder {}: {}", shown_path(dir),
                 ec ? ec.message() : "a file of that name exists");
  }
  std::string page = std::string(kPage);
  page = replace_all(page, "@LANG@", args.lang);
  page = replace_all(page, "@ENGINE@", script);
  write_output(dir / "index.html", page);
  fmt::print("wrote {}\nOpen it in a browser (no server needed): file://{}\n",
             shown_path(dir / "index.html"), fs::absolute(dir / "index.html").string());
  return 0;
}

}  // namespace

Subcommand add_playground(CLI::App& app) {
  auto args = std::make_shared<PlaygroundArgs>();
  CLI::App* cmd = app.add_subcommand(
      "playground",
      "Write a page where tapegrad, compiled to WebAssembly, computes the lecture graph live");
  cmd->add_option("dir", args->dir, "Folder for index.html")->required();
  cmd->add_option("--lang", args->lang, "Language of the page: en (default) or ko")
      ->transform(choice_check({"en", "ko"}));
  return {cmd, [args] { return run_playground(*args); }};
}

}  // namespace tapegrad::tool
