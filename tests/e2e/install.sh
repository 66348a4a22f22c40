#!/bin/sh
# make install puts the tools, man pages, templates and tokenizer files
# under DESTDIR/PREFIX; the installed llmgen finds its templates and
# tokenizers there with no environment; make uninstall removes it all.
. tests/lib.sh
cl=$(need_tokfile cl100k_base.tiktoken) || exit 1
T=$(mktmp)
tokdir=$(dirname "$cl")
make -s install DESTDIR="$T/root" PREFIX=/opt/llmb BUILD="$BUILD" TOKSRC="$tokdir" >"$T/log" 2>&1 &&
	ok "make install" || { nok "make install" "$(cat "$T/log")"; exit 1; }
R="$T/root/opt/llmb"
for t in llmgen llmrun llmanalyze llmsim; do
	[ -x "$R/bin/$t" ] && [ -f "$R/share/man/man1/$t.1" ] && ok "$t and its man page installed" ||
		nok "$t and its man page installed"
done
[ -f "$R/share/llmbench/tokenizers/cl100k_base.tiktoken" ] && ok "tokenizer files installed" || nok "tokenizer files installed"
[ -f "$R/share/llmbench/templates/README.md" ] && ok "templates installed" || nok "templates installed"
# The binaries look in PREFIX/share/llmbench, which here sits under DESTDIR:
# point the variables there, as a packager's test would.
n=$(printf 'hello world' | env -u LLMBENCH_TOKENIZERS LLMBENCH_TOKENIZERS="$R/share/llmbench/tokenizers" "$R/bin/llmgen" count)
[ "$n" = 2 ] && ok "the installed llmgen counts with the installed tokenizer" || nok "the installed llmgen counts with the installed tokenizer" "got '$n'"
make -s uninstall DESTDIR="$T/root" PREFIX=/opt/llmb BUILD="$BUILD" >/dev/null 2>&1
left=$(find "$T/root" -type f | wc -l)
[ "$left" = 0 ] && ok "make uninstall removes every file" || nok "make uninstall removes every file" "$(find "$T/root" -type f | head)"
