#!/bin/sh
# Downloads OpenAI's published tiktoken rank files into DIR and checks
# their SHA-256 (the values openai/tiktoken 0.14.0 checks):
#   sh scripts/fetch-tokenizers.sh DIR
# A file already present with the right hash is kept. Each download goes
# to a temporary file that is renamed only once its hash is right.
# qwen3 and llama3 tokenizer.json files are not fetched: copy them into DIR
# as qwen3-tokenizer.json(.gz) and llama3-tokenizer.json(.gz).
set -u
dir=${1:?usage: fetch-tokenizers.sh DIR}
base=https://openaipublic.blob.core.windows.net/encodings

sha256() {
	if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
	else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

mkdir -p "$dir" || exit 1
status=0
while read -r name sum; do
	out="$dir/$name.tiktoken"
	if [ -f "$out" ] && [ "$(sha256 "$out")" = "$sum" ]; then
		echo "$out: present"
		continue
	fi
	tmp="$out.tmp.$$"
	if ! curl -fsSL --retry 2 --connect-timeout 15 -o "$tmp" "$base/$name.tiktoken"; then
		rm -f "$tmp"
		echo "fetch-tokenizers: cannot download $base/$name.tiktoken (no network?);" \
			"copy $name.tiktoken into $dir or set LLMBENCH_TOKENIZERS to a folder that has it" >&2
		status=1
		continue
	fi
	got=$(sha256 "$tmp")
	if [ "$got" != "$sum" ]; then
		rm -f "$tmp"
		echo "fetch-tokenizers: $name.tiktoken has SHA-256 $got, expected $sum; not installed" >&2
		status=1
		continue
	fi
	mv "$tmp" "$out" && echo "$out: fetched"
done <<'LIST'
cl100k_base 223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7
o200k_base 446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d
r50k_base 306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930
p50k_base 94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069
LIST
exit $status
