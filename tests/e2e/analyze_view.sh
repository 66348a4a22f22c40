#!/bin/sh
# The report as a reader first sees it: headless Chromium at 1400x900
# takes a screenshot of the top (kept as $BUILD/report-top.png) and a
# script added to a copy of the page writes the boxes of the headline
# figures and the first chart into the DOM: both must lie within the
# window without scrolling. The same check on a copy pushed down by a
# tall block must fail. Without chromium: SKIP, a failure under CI=true.
. tests/lib.sh
T=$(mktmp)
BUILD=${BUILD:-build}

if ! command -v chromium >/dev/null 2>&1; then
	if [ "$CI" = true ]; then
		nok "chromium is installed" "install Debian's chromium (make deps)"
	else
		ok "report in a browser # SKIP chromium missing"
	fi
	exit 0
fi

# Two targets swept over five batch sizes, an SLO: two headline cards of
# five steps each.
awk -v steps=1,2,4,8,16 -v waves=2 -f tests/data/analyze/gen.awk >"$T/r.csv"
awk -v steps=1,2,4,8,16 -v waves=2 -v run=r2 -f tests/data/analyze/gen.awk |
	awk -F, -v OFS=, 'NR > 1 { $2 = "sim2" } NR > 1' >>"$T/r.csv"
llmanalyze --slo ttft:100,tpot:12 --html "$T/report.html" -o /dev/null "$T/r.csv" 2>"$T/err" ||
	nok "llmanalyze writes the report" "$(cat "$T/err")"
[ "$(grep -c 'class="card"' "$T/report.html")" -eq 2 ] && ok "a headline card per target" ||
	nok "a headline card per target" "$(grep -c 'class="card"' "$T/report.html")"

# Writes the boxes (left top right bottom, CSS px) into <pre id="boxes">:
# the viewport (the window less what the browser keeps of it), the
# headline figures, the first chart's drawing.
cat >"$T/probe" <<'JSEOF'
<script>
(function () {
	function box(sel) {
		var e = document.querySelector(sel), r;
		if (!e) return "none";
		r = e.getBoundingClientRect();
		return [r.left, r.top, r.right, r.bottom].map(Math.round).join(" ");
	}
	var p = document.createElement("pre"), f = document.querySelector("#charts figure");
	p.id = "boxes";
	p.textContent = "viewport 0 0 " + window.innerWidth + " " + window.innerHeight + "\n" +
		"headline " + box("#headline") + "\n" + "chart " + box("#charts figure svg") + "\n" +
		"first " + (f ? f.id : "none") + "\n" + "columns " +
		Array.prototype.filter.call(document.querySelectorAll("#comparison thead th"),
			function (th) { return getComputedStyle(th).display != "none"; }).length + " " +
		document.querySelectorAll("#comparison thead th").length + "\n";
	document.body.appendChild(p);
})();
</script>
JSEOF
# view SRC OUT: renders a copy of SRC with the probe; OUT.boxes, OUT.png.
view() {
	awk -v probe="$T/probe" '/^<\/body>/ { while ((getline l <probe) > 0) print l } { print }' "$1" >"$2.html"
	u=$(mktmp)
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--hide-scrollbars --user-data-dir="$u" --window-size=1400,900 --screenshot="$2.png" \
		--dump-dom "file://$2.html" >"$2.dom" 2>"$2.err"
	_rc=$?
	sed -n '/<pre id="boxes">/,/<\/pre>/p' "$2.dom" | sed 's/<[^>]*>//g' >"$2.boxes"
	return $_rc
}
# within BOXES: the headline and the first chart (a real one: 200 px
# high at least) lie inside the window.
within() {
	awk '$1 == "viewport" { w = $4; h = $5 } $1 == "headline" || $1 == "chart" { b[$1] = $0; l[$1] = $2; t[$1] = $3; r[$1] = $4; d[$1] = $5 }
	END {
		if (!w || !h || !("headline" in b) || !("chart" in b)) exit 1
		for (k in b) if (l[k] < 0 || t[k] < 0 || r[k] > w || d[k] > h || d[k] <= t[k]) exit 1
		exit !(d["chart"] - t["chart"] >= 200)
	}' "$1"
}

view "$T/report.html" "$T/top"
rc=$?
[ $rc -eq 0 ] && ok "chromium renders the report" || nok "chromium renders the report" "exit $rc: $(tail -3 "$T/top.err")"
grep -q '^first chart-throughput$' "$T/top.boxes" && ok "the first chart is the throughput by step" ||
	nok "the first chart is the throughput by step" "$(cat "$T/top.boxes")"
within "$T/top.boxes" && ok "headline figures and the first chart visible at 1400x900 without scrolling" ||
	nok "headline figures and the first chart visible at 1400x900 without scrolling" "$(cat "$T/top.boxes")"
echo "# $(tr '\n' ';' <"$T/top.boxes")"
# The screenshot is of the window: a PNG 1400 wide and 900 high.
if [ "$(od -An -tx1 -j16 -N8 "$T/top.png" 2>/dev/null | tr -d ' \n')" = "0000057800000384" ]; then
	ok "screenshot of the top, 1400x900"
	cp "$T/top.png" "$BUILD/report-top.png" 2>/dev/null && echo "# screenshot: $BUILD/report-top.png"
else
	nok "screenshot of the top, 1400x900" "$(od -An -tx1 -N24 "$T/top.png" 2>&1)"
fi

# The table shows a readable set of columns; the checkbox shows them all
# (CSS alone): 4 keys shown (target, model, group, step) and 12 columns.
awk '$1 == "columns" { exit !($2 == 16 && $3 > 60) }' "$T/top.boxes" && ok "the table shows 16 of its columns at first" ||
	nok "the table shows 16 of its columns at first" "$(grep columns "$T/top.boxes")"
sed 's/<input type="checkbox" id="allcols"/& checked/' "$T/report.html" >"$T/all.html"
view "$T/all.html" "$T/all"
awk '$1 == "columns" { exit !($2 == $3 && $3 > 60) }' "$T/all.boxes" && ok "the checkbox shows every column" ||
	nok "the checkbox shows every column" "$(grep columns "$T/all.boxes")"

# The check fails when the figures are pushed below the fold.
awk '{ print } /^<body>/ { print "<div style=\"height:1000px\">pushed</div>" }' "$T/report.html" >"$T/pushed.html"
view "$T/pushed.html" "$T/low"
grep -q '^headline' "$T/low.boxes" && ! within "$T/low.boxes" && ok "the check fails on a page pushed down" ||
	nok "the check fails on a page pushed down" "$(cat "$T/low.boxes")"
