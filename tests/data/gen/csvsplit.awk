# Splits an RFC 4180 CSV (the corpus llmgen writes) for shell tests, with
# no CSV library: for data row i (from 1) the prompt column's bytes go to
# DIR/i.txt, and DIR/index gets a line "i input_tokens output_tokens group"
# (group with spaces replaced by _), then " conversation_id turn topic"
# (topic with spaces replaced by _) in a conversation corpus. Run with
# LC_ALL=C and -v dir=DIR.
# The whole file is read as one string and scanned field by field.
BEGIN { RS = "\001\002\003"; ORS = "" }
{
	s = $0; n = length(s); i = 1; row = 0; nf = 0
	while (i <= n) {
		f = ""
		if (substr(s, i, 1) == "\"") {
			i++
			for (;;) {
				j = index(substr(s, i), "\"")
				if (j == 0) { print "unterminated quote\n" > "/dev/stderr"; exit 1 }
				f = f substr(s, i, j - 1); i += j
				if (substr(s, i, 1) != "\"") break
				f = f "\""; i++
			}
		} else {
			j = match(substr(s, i), /[,\r\n]/)
			if (j == 0) j = n - i + 2
			f = substr(s, i, j - 1); i += j - 1
		}
		field[nf++] = f
		c = substr(s, i, 1); i++
		if (c == "\r" && substr(s, i, 1) == "\n") { c = "\n"; i++ }
		if (c == ",") continue
		if (row == 0) {
			for (k = 0; k < nf; k++) name[field[k]] = k
		} else {
			printf "%s", field[name["prompt"]] > (dir "/" row ".txt")
			close(dir "/" row ".txt")
			g = field[name["group"]]; gsub(/ /, "_", g)
			printf "%d %s %s %s", row, field[name["input_tokens"]], field[name["output_tokens"]], g >> (dir "/index")
			if ("turn" in name) {
				t = field[name["topic"]]; gsub(/ /, "_", t)
				printf " %s %s %s", field[name["conversation_id"]], field[name["turn"]], t >> (dir "/index")
			}
			printf "\n" >> (dir "/index")
		}
		row++; nf = 0
	}
}
