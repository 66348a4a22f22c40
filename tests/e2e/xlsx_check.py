"""Reads llmanalyze's workbook back with openpyxl, a reader we did not
write, and checks it against llmanalyze's CSV table and the results CSV
it came from. Prints one "ok - NAME" or "not ok - NAME" line per check
(tests/lib.sh's format), details as "#   " lines.

usage: xlsx_check.py BOOK.xlsx TABLE.csv RESULTS.csv
"""
import csv
import math
import re
import sys

import openpyxl


def report(name, good, detail=""):
    print(("ok - " if good else "not ok - ") + name)
    if not good and detail:
        for line in str(detail).splitlines()[:20]:
            print("#   " + line)


def is_number(cell):
    return isinstance(cell, (int, float)) and not isinstance(cell, bool)


def same(text, cell):
    """Whether a workbook cell holds the CSV's value: empty for empty,
    the number itself (not its text) for a number, else the text."""
    if text == "":
        return cell is None
    try:
        x = float(text)
    except ValueError:
        return cell == text
    return is_number(cell) and math.isclose(float(cell), x, rel_tol=0, abs_tol=0)


def main(book, table, results):
    wb = openpyxl.load_workbook(book)
    with open(table, newline="") as f:
        rows = list(csv.reader(f))
    head, body = rows[0], rows[1:]
    names = wb.sheetnames
    report("sheets: comparison first, definitions last, one per group between",
           names[0] == "comparison" and names[-1] == "definitions" and len(names) == len(body) + 2,
           names)

    cmp = [list(r) for r in wb["comparison"].iter_rows(values_only=True)]
    # Headers carry units ("ttft_p50 (ms)"); the CSV's names do not.
    got_head = [re.sub(r" \([^)]*\)$", "", h) for h in cmp[0]]
    report("comparison: the CSV's columns, in order", got_head == head,
           "\n".join("%s != %s" % (a, b) for a, b in zip(got_head, head) if a != b))
    report("comparison: headers carry units", "ttft_p50 (ms)" in cmp[0] and
           "out_tok_per_s (tok/s)" in cmp[0] and "client_lag_p99_ms" in cmp[0], cmp[0])
    bad = []
    numbers = 0
    for i, row in enumerate(body):
        got = cmp[i + 1] if i + 1 < len(cmp) else []
        got = list(got) + [None] * (len(row) - len(got))
        for j, text in enumerate(row):
            if not same(text, got[j]):
                bad.append("row %d %s: csv %r, xlsx %r" % (i + 1, head[j], text, got[j]))
            numbers += is_number(got[j])
    report("comparison: every cell equals the CSV's (numbers as numbers, empty as empty)",
           not bad and len(cmp) == len(body) + 1 and numbers > 0, "\n".join(bad))
    step = head.index("step")
    report("comparison: step is a number", all(is_number(r[step]) for r in cmp[1:]),
           [r[step] for r in cmp[1:]])

    # The requests: every counted row of the results (not warmup, not a
    # retried attempt) in its group's sheet, with its own values.
    with open(results, newline="") as f:
        res = [r for r in csv.DictReader(f) if r.get("warmup", "0") in ("", "0")
               and r.get("retried", "0") in ("", "0")]
    # Rows of one id (a file without row_id) come in the file's order.
    by_id = {}
    for r in res:
        by_id.setdefault((r["run_id"], r.get("row_id", "")), []).append(r)
    req = head.index("requests")
    bad = []
    total = 0
    for i, name in enumerate(names[1:-1]):
        sh = [list(r) for r in wb[name].iter_rows(values_only=True)]
        qh = sh[0]
        if len(sh) - 1 != int(body[i][req]):
            bad.append("%s: %d rows, the table says %s requests" % (name, len(sh) - 1, body[i][req]))
        for r in sh[1:]:
            total += 1
            q = dict(zip(qh, r))
            same_id = by_id.get((q["run_id"], q["row_id"] or ""))
            src = same_id.pop(0) if same_id else None
            if src is None:
                bad.append("%s: %s/%s not in the results" % (name, q["run_id"], q["row_id"]))
                continue
            if src["step"] != body[i][step]:
                bad.append("%s: row %s is of step %s" % (name, q["row_id"], src["step"]))
            for col in ("status", "ttft_ms", "tpot_ms", "e2e_ms", "input_tokens", "output_tokens"):
                if not same(src.get(col, ""), q[col]):
                    bad.append("%s %s %s: results %r, xlsx %r" % (name, q["row_id"], col, src.get(col), q[col]))
            n_in, ttft = src.get("input_tokens", ""), src.get("ttft_ms", "")
            want = float(n_in) * 1000 / float(ttft) if n_in and ttft and float(ttft) > 0 else None
            got = q["prefill_tok_per_s"]
            if (want is None) != (got is None) or (want is not None and not math.isclose(got, want, rel_tol=1e-12)):
                bad.append("%s %s prefill_tok_per_s: want %r, xlsx %r" % (name, q["row_id"], want, got))
    report("request sheets: each group's requests with the results' values",
           not bad and total == len(res), "\n".join(bad) or "%d rows, %d in the results" % (total, len(res)))

    defs = {r[1]: r for r in wb["definitions"].iter_rows(values_only=True)}
    missing = [h for h in cmp[0] if h not in defs or not defs[h][3]]
    report("definitions: every comparison column defined", not missing, missing)
    report("definitions: request columns with units",
           defs.get("prefill_tok_per_s", [None] * 4)[2] == "tok/s" and defs.get("ttft_ms", [None] * 4)[2] == "ms")


if __name__ == "__main__":
    main(*sys.argv[1:4])
