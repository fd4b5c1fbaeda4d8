'use strict';
/*
 * Draws the buildwarden HTML report from the JSON block #bw-data. Every
 * string of it comes from the build (command lines, paths, names) and is
 * untrusted: it only ever reaches the page as textContent or an attribute
 * value, never as markup.
 */
(function () {
	var D = JSON.parse(document.getElementById('bw-data').textContent);
	var S = D.summary; /* the JSON summary (docs/REPORTS.md) */
	var COMMAND = S.command.join(' ');
	var SVGNS = 'http://www.w3.org/2000/svg';
	var TIMELINE_MAX = 300; /* bars drawn */
	var GRAPH_MAX = 80;     /* processes in the graph */

	function el(tag, cls, text) {
		var e = document.createElement(tag);
		if (cls)
			e.className = cls;
		if (text !== undefined && text !== null)
			e.textContent = String(text);
		return e;
	}

	function svgEl(tag, attrs, text) {
		var e = document.createElementNS(SVGNS, tag);
		Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
		if (text !== undefined)
			e.textContent = String(text);
		return e;
	}

	function titled(e, text) {
		e.appendChild(svgEl('title', {}, text));
		return e;
	}

	function dur(ns) {
		var ms = ns / 1e6;
		if (ms < 1000)
			return ms.toFixed(ms < 10 ? 2 : 0) + ' ms';
		var s = ms / 1000;
		return s < 120 ? s.toFixed(2) + ' s' : Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s';
	}

	function note(parent, text) {
		parent.appendChild(el('p', 'note', text));
	}

	function cmdOf(p) {
		if (p.cmd !== null && p.cmd !== '')
			return p.cmd;
		return p.comm ? '(' + p.comm + ')' : '(no exec seen)';
	}

	function failed(p) {
		return p.failed_execs > 0 || (p.exit_code !== null && p.exit_code !== 0) || p.signal !== null;
	}

	function procClasses(p) {
		var c = [];
		if (p.rule !== null)
			c.push('flagged');
		if (p.ended !== null)
			c.push(p.ended);
		if (failed(p))
			c.push('failed');
		return c;
	}

	/* ---- header ---- */
	function header() {
		var h = document.getElementById('summary');
		var st = S.status || 'incomplete';
		var p = el('p');
		var cls = st.indexOf('terminated') >= 0 ? 'terminated' : st;
		p.appendChild(el('span', 'status ' + cls, st));
		if (S.exit_status !== null)
			p.appendChild(document.createTextNode(' exit status ' + S.exit_status));
		h.appendChild(p);
		var dl = el('dl', 'facts');
		function fact(k, v) {
			if (v === null || v === undefined || v === '')
				return;
			dl.appendChild(el('dt', null, k));
			dl.appendChild(el('dd', 'mono', v));
		}
		fact('command', COMMAND);
		fact('job', S.job);
		fact('policy', S.policy === null ? null : S.policy + (S.mode ? ' (' + S.mode + ')' : ''));
		fact('started', D.time_first);
		fact('ended', D.time_last);
		fact('duration', S.duration_ns ? dur(S.duration_ns) : null);
		h.appendChild(dl);
		var ul = el('ul', 'counts');
		Object.keys(S.counts).forEach(function (k) {
			var li = el('li', 'count', k.replace(/_/g, ' ') + ': ' + S.counts[k]);
			li.dataset.count = k;
			ul.appendChild(li);
		});
		h.appendChild(ul);
		if (!S.complete || S.counts.untracked || S.counts.malformed)
			h.appendChild(el('p', 'warn', 'The trace is incomplete: events were lost or records are missing; what is drawn below may lack them.'));
		document.title = 'buildwarden: ' + st + (COMMAND ? ' - ' + COMMAND.slice(0, 80) : '');
	}

	/* ---- verdicts ---- */
	function verdicts() {
		var box = document.getElementById('verdicts');
		if (!S.verdicts.length) {
			note(box, 'No verdicts: no rule matched.');
			return;
		}
		var t = el('table');
		var tr = el('tr');
		['rule', 'severity', 'action', 'process', 'what'].forEach(function (c) { tr.appendChild(el('th', null, c)); });
		t.appendChild(el('thead')).appendChild(tr);
		var tb = el('tbody');
		S.verdicts.forEach(function (v) {
			var row = el('tr', 'verdict-row');
			row.appendChild(el('td', 'rule', v.rule));
			row.appendChild(el('td', 'sev-' + v.severity, v.severity));
			var act = v.action + (v.blocked ? ' (blocked before it ran)' : '') +
				(v.kill_error ? ' (kill failed: ' + v.kill_error + ')' : '') +
				(v.mode === 'audit' ? ' (audit)' : '');
			row.appendChild(el('td', null, act));
			row.appendChild(el('td', 'pid', v.pid));
			row.appendChild(el('td', 'cmd', v.command));
			tb.appendChild(row);
		});
		t.appendChild(tb);
		box.appendChild(t);
		if (S.verdicts_truncated)
			note(box, 'The first ' + S.verdicts.length + ' of ' + S.counts.verdicts + ' verdicts are listed.');
	}

	/* ---- process tree ---- */
	function tree() {
		var box = document.getElementById('tree');
		var kids = D.procs.map(function () { return []; });
		var roots = [];
		D.procs.forEach(function (p, i) {
			if (p.parent >= 0)
				kids[p.parent].push(i);
			else
				roots.push(i);
		});
		/* Subtrees holding a flagged process start open. */
		var hot = D.procs.map(function (p) { return p.rule !== null; });
		D.procs.forEach(function (p, i) {
			if (!hot[i])
				return;
			for (var j = p.parent, n = 0; j >= 0 && n < D.procs.length; j = D.procs[j].parent, n++)
				hot[j] = true;
		});
		function line(p) {
			var s = el('span', 'line');
			s.appendChild(el('span', 'pid', p.pid + ' '));
			s.appendChild(el('span', 'cmd', cmdOf(p)));
			if (p.rule !== null)
				s.appendChild(el('span', 'badge rule', p.rule));
			if (p.ended !== null)
				s.appendChild(el('span', 'badge ' + p.ended, p.ended));
			if (p.signal !== null)
				s.appendChild(el('span', 'badge failed', 'signal ' + p.signal));
			else if (p.exit_code !== null && p.exit_code !== 0)
				s.appendChild(el('span', 'badge failed', 'exit ' + p.exit_code));
			if (p.failed_execs > 0)
				s.appendChild(el('span', 'badge failed', p.failed_execs + ' failed exec' + (p.failed_execs > 1 ? 's' : '')));
			return s;
		}
		/* Iterative, so a very deep chain cannot exhaust the stack. */
		var stack = roots.slice().reverse().map(function (i) { return { i: i, into: box, depth: 0 }; });
		while (stack.length) {
			var it = stack.pop(), p = D.procs[it.i], node;
			if (kids[it.i].length) {
				node = el('details', 'proc');
				node.open = it.depth < 2 || hot[it.i];
				var sum = el('summary');
				sum.appendChild(line(p));
				sum.appendChild(el('span', 'pid', ' (' + kids[it.i].length + ')'));
				node.appendChild(sum);
				var ch = el('div', 'children');
				node.appendChild(ch);
				for (var k = kids[it.i].length - 1; k >= 0; k--)
					stack.push({ i: kids[it.i][k], into: ch, depth: it.depth + 1 });
			} else {
				node = el('div', 'proc leaf');
				node.appendChild(line(p));
			}
			procClasses(p).forEach(function (c) { node.classList.add(c); });
			node.dataset.pid = p.pid;
			it.into.appendChild(node);
		}
		if (D.procs_total > D.procs.length)
			note(box, D.procs.length + ' of ' + D.procs_total + ' processes are shown (the first ones, then those with verdicts and their ancestors); ' +
				(D.procs_total - D.procs.length) + ' are left out.');
	}

	/* ---- process -> destination graph ---- */
	function graph() {
		var box = document.getElementById('graph');
		if (!D.edges.length) {
			note(box, S.counts.connects ? 'No connection from a process that is shown.' : 'No network connections were recorded.');
			return;
		}
		var left = [], lpos = {}, dropped = 0;
		D.edges.forEach(function (e) {
			if (lpos[e.p] === undefined && left.length < GRAPH_MAX) {
				lpos[e.p] = left.length;
				left.push(e.p);
			}
		});
		var rows = Math.max(left.length, D.dests.length), RH = 22, W = 1000, LX = 380, RX = 620;
		var s = svgEl('svg', { width: W, height: rows * RH + 10, viewBox: '0 0 ' + W + ' ' + (rows * RH + 10), role: 'img' });
		function y(i, n) { return 5 + (i + 0.5) * (rows * RH) / n; }
		D.edges.forEach(function (e) {
			if (lpos[e.p] === undefined) {
				dropped++;
				return;
			}
			var y1 = y(lpos[e.p], left.length), y2 = y(e.d, D.dests.length), p = D.procs[e.p];
			var path = svgEl('path', {
				'class': 'edge' + (p.rule !== null ? ' flagged' : ''),
				d: 'M' + LX + ',' + y1 + ' C' + (LX + 120) + ',' + y1 + ' ' + (RX - 120) + ',' + y2 + ' ' + RX + ',' + y2,
				'stroke-width': Math.min(6, 1 + Math.log(e.n)),
			});
			titled(path, p.pid + ' ' + cmdOf(p) + ' -> ' + D.dests[e.d].label + ': ' + e.n + ' connect' + (e.n > 1 ? 's' : ''));
			s.appendChild(path);
		});
		left.forEach(function (pi, i) {
			var p = D.procs[pi], yy = y(i, left.length), label = p.pid + ' ' + cmdOf(p);
			var g = svgEl('g', { 'class': 'gproc', 'data-pid': p.pid });
			g.appendChild(svgEl('circle', { 'class': 'gnode' + (p.rule !== null ? ' flagged' : ''), cx: LX, cy: yy, r: 4 }));
			g.appendChild(svgEl('text', { x: LX - 8, y: yy + 4, 'text-anchor': 'end' }, label.length > 52 ? label.slice(0, 50) + '...' : label));
			s.appendChild(titled(g, label));
		});
		D.dests.forEach(function (d, i) {
			var yy = y(i, D.dests.length);
			var g = svgEl('g', { 'class': 'gdest' });
			g.appendChild(svgEl('circle', { 'class': 'gnode', cx: RX, cy: yy, r: 4 }));
			g.appendChild(svgEl('text', { x: RX + 8, y: yy + 4 }, (d.proto ? d.proto + ' ' : '') + d.label));
			s.appendChild(titled(g, d.label + ': ' + d.count + ' connect' + (d.count > 1 ? 's' : '')));
		});
		box.appendChild(s);
		if (dropped || D.connects_omitted)
			note(box, 'Left out: ' + dropped + ' edges from processes past the first ' + GRAPH_MAX +
				', and ' + D.connects_omitted + ' connects to destinations or from processes past the report\'s caps.');
	}

	/* ---- timeline ---- */
	function timeline() {
		var box = document.getElementById('timeline');
		if (!D.procs.length) {
			note(box, 'No processes.');
			return;
		}
		/* Flagged processes first, then the earliest, up to the cap. */
		var order = D.procs.map(function (p, i) { return i; });
		order.sort(function (a, b) {
			var fa = D.procs[a].rule !== null, fb = D.procs[b].rule !== null;
			return fa !== fb ? (fa ? -1 : 1) : D.procs[a].start - D.procs[b].start;
		});
		var shown = order.slice(0, TIMELINE_MAX);
		shown.sort(function (a, b) { return D.procs[a].start - D.procs[b].start || a - b; });
		var row = {};
		shown.forEach(function (pi, r) { row[pi] = r; });
		var span = Math.max(1, D.t_end), RH = 14, LW = 300, W = 1000, PW = W - LW - 10;
		var H = shown.length * RH + 24;
		var s = svgEl('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'img' });
		function x(t) { return LW + Math.max(0, Math.min(1, t / span)) * PW; }
		s.appendChild(svgEl('line', { 'class': 'axis', x1: LW, x2: LW + PW, y1: H - 18, y2: H - 18 }));
		s.appendChild(svgEl('text', { x: LW, y: H - 4 }, '0'));
		s.appendChild(svgEl('text', { x: LW + PW, y: H - 4, 'text-anchor': 'end' }, dur(span)));
		shown.forEach(function (pi, r) {
			var p = D.procs[pi], y = r * RH, end = p.end === null ? span : p.end;
			var cls = ['bar'].concat(procClasses(p));
			if (p.end === null)
				cls.push('running');
			var label = p.pid + ' ' + cmdOf(p);
			s.appendChild(svgEl('text', { x: 2, y: y + 11 }, label.length > 42 ? label.slice(0, 40) + '...' : label));
			var bar = svgEl('rect', {
				'class': cls.join(' '), 'data-pid': p.pid, x: x(p.start), y: y + 2,
				width: Math.max(1.5, x(end) - x(p.start)), height: RH - 4,
			});
			titled(bar, label + ': ' + dur(p.start) + ' to ' + (p.end === null ? 'the end (no exit seen)' : dur(p.end)));
			s.appendChild(bar);
		});
		var marksLeft = D.marks_omitted;
		D.marks.forEach(function (m) {
			if (row[m.p] === undefined) {
				marksLeft++;
				return;
			}
			var cx = x(m.t), cy = row[m.p] * RH + RH / 2;
			s.appendChild(titled(svgEl('path', {
				'class': 'vmark', d: 'M' + cx + ',' + (cy - 6) + ' l5,6 l-5,6 l-5,-6 z',
			}), 'verdict: ' + m.rule + ' at ' + dur(m.t)));
		});
		box.appendChild(s);
		var left = D.procs_total - shown.length;
		if (left > 0 || marksLeft > 0)
			note(box, shown.length + ' of ' + D.procs_total + ' processes are drawn (flagged first, then the earliest); ' +
				left + ' left out' + (marksLeft ? ', and ' + marksLeft + ' verdict markers' : '') + '.');
	}

	header();
	verdicts();
	tree();
	graph();
	timeline();
	document.body.setAttribute('data-rendered', 'yes');
})();
