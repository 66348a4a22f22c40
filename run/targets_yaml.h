#ifndef LLMRUN_TARGETS_YAML_H
#define LLMRUN_TARGETS_YAML_H
/*
 * --targets FILE.yaml: the endpoints of a study as a YAML list (libyaml),
 * the form multi-model benchmark scripts keep their models in:
 *
 *   targets:                      # or the list at the top level
 *     - name: vllm-8b             # required, unique
 *       base_url: http://gpu1:8000   # required, http:// or https://
 *       model: meta-llama/Llama-3.1-8B-Instruct  # else asked of the server
 *       api: openai-chat          # a dialect or alias (default openai-chat)
 *       api_key_env: VLLM_KEY     # the key is read from $VLLM_KEY
 *       extra_body: {temperature: 0}  # a mapping, or a JSON object string
 *       headers: {X-Team: bench}  # a mapping, or a list of "Name: value"
 *
 * A key never sits in the file: api_key (and key, token, secret,
 * password) or a credential header (Authorization, Api-Key, ...) is
 * refused, naming api_key_env instead.
 *
 * Ownership: the array and every string in it are the caller's, released
 * as opts_free releases o->targets.
 */
#include <stddef.h>

#include "err.h"
#include "options.h"

/* Largest targets file read, bytes. */
#define TYAML_MAX_FILE (1u << 20)
/* Deepest nesting and most nodes an extra_body may expand to (YAML
 * aliases can make a small file a huge tree). */
#define TYAML_MAX_DEPTH 64
#define TYAML_MAX_NODES 100000

/*
 * Reads path into *v (n targets). Returns 0, or ERR_NOINPUT (cannot
 * open), ERR_DATA (a YAML syntax error "f.yaml:3:5: ..." with line and
 * column; a missing name or base_url, an unknown key or api (listing the
 * known ones), a literal key, no targets; each "f.yaml:LINE: ..."),
 * ERR_USAGE (api_key_env names an unset variable), ERR_IO, ERR_SOFTWARE.
 * On error *v is NULL and nothing is left to free.
 */
int tyaml_load(const char *path, struct opts_target **v, size_t *n,
	       struct err *e);

/* Releases what tyaml_load (or the CSV loader) put in one target. */
void tyaml_target_free(struct opts_target *t);

#endif
