#include "watch.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "html_meta.h"

/* FNV-1a over the bytes of v. */
static uint64_t mix(uint64_t h, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= 1099511628211ULL;
	}
	return h;
}

uint64_t an_watch_fingerprint(const char *const *paths, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	struct stat sb;
	size_t i;

	for (i = 0; i < n; i++) {
		if (stat(paths[i], &sb)) {
			h = mix(h, UINT64_MAX);
			continue;
		}
		h = mix(h, (uint64_t)sb.st_size);
		h = mix(h, (uint64_t)sb.st_ino);
		h = mix(h, (uint64_t)sb.st_mtim.tv_sec);
		h = mix(h, (uint64_t)sb.st_mtim.tv_nsec);
	}
	return h;
}

const char *an_watch_missing(const char *const *paths, size_t n)
{
	struct stat sb;
	size_t i;

	for (i = 0; i < n; i++)
		if (stat(paths[i], &sb))
			return paths[i];
	return NULL;
}

/* Whether the run of metadata m is gone without its end marker: its
 * llmrun ran on this host and is no longer there (SIGKILL, a crash, the
 * OOM killer; the watch waited for an end marker that never came). A
 * pid used again since keeps the watch going, as before. */
static int gone(const json_t *m)
{
	const char *host = json_string_value(json_object_get(m, "host"));
	json_int_t pid = json_integer_value(json_object_get(m, "pid"));
	char here[256] = "";

	if (!host || pid <= 0 || pid > INT32_MAX || gethostname(here, sizeof here - 1) ||
	    strcmp(host, here) != 0)
		return 0;
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

int an_watch_ended(const char *const *paths, size_t n)
{
	char found[4096];
	int unknown = 0;
	size_t i;
	json_t *m;

	for (i = 0; i < n; i++) {
		struct stat sb;

		/* Not there yet: its run has not started (it was taken for an
		 * input without metadata, and the watch ended in seconds). */
		if (stat(paths[i], &sb) != 0)
			return 0;
		if (!(m = an_html_meta_load(paths[i], found, sizeof found))) {
			unknown = 1;
			continue;
		}
		if (!json_object_get(m, "end_wall_ns") && !gone(m)) {
			json_decref(m);
			return 0;
		}
		json_decref(m);
	}
	return unknown ? -1 : 1;
}

void an_watch_sleep(double seconds, const volatile sig_atomic_t *stop)
{
	/* In slices, so that a signal arriving between the check of *stop
	 * and nanosleep delays the end by one slice at most. */
	while (seconds > 0 && !*stop) {
		double d = seconds < 0.1 ? seconds : 0.1;
		struct timespec ts = {0, (long)(d * 1e9)};

		while (nanosleep(&ts, &ts) && errno == EINTR && !*stop)
			;
		seconds -= d;
	}
}
