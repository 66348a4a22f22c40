#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

#include "ofile.h"

static char *mktmp(void)
{
	const char *base = getenv("TMPDIR");
	char *p = malloc(512);

	assert_non_null(p);
	snprintf(p, 512, "%s/test_ofile.XXXXXX", base && *base ? base : "/tmp");
	assert_non_null(mkdtemp(p));
	return p;
}

/* Names in dir, sorted into one string "a b ", for exact checks. */
static void listing(const char *dir, char *out, size_t n)
{
	struct dirent **v;
	int k = scandir(dir, &v, NULL, alphasort), i;

	assert_true(k >= 0);
	out[0] = '\0';
	for (i = 0; i < k; i++) {
		if (strcmp(v[i]->d_name, ".") && strcmp(v[i]->d_name, "..")) {
			strncat(out, v[i]->d_name, n - strlen(out) - 2);
			strcat(out, " ");
		}
		free(v[i]);
	}
	free(v);
}

static void rmtmp(char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

static void contents(const char *path, char *out, size_t n)
{
	FILE *fp = fopen(path, "r");
	size_t k;

	assert_non_null(fp);
	k = fread(out, 1, n - 1, fp);
	out[k] = '\0';
	fclose(fp);
}

static void commit_replaces_target(void **state)
{
	char *dir = mktmp(), path[600], ls[256], got[64];
	struct ofile *o;
	struct err e;
	FILE *fp;

	(void)state;
	snprintf(path, sizeof path, "%s/out.txt", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("old", fp);
	fclose(fp);
	assert_int_equal(ofile_open(path, &o, &e), 0);
	fputs("new", ofile_fp(o));
	fflush(ofile_fp(o));
	listing(dir, ls, sizeof ls);
	/* A hidden temporary beside the target, which is untouched. */
	assert_int_equal(strncmp(ls, ".out.txt.", 9), 0);
	assert_non_null(strstr(ls, " out.txt "));
	contents(path, got, sizeof got);
	assert_string_equal(got, "old");
	assert_int_equal(ofile_commit(o, &e), 0);
	listing(dir, ls, sizeof ls);
	assert_string_equal(ls, "out.txt ");
	contents(path, got, sizeof got);
	assert_string_equal(got, "new");
	rmtmp(dir);
}

static void abort_removes_temporary(void **state)
{
	char *dir = mktmp(), path[600], ls[256];
	struct ofile *o;
	struct err e;

	(void)state;
	snprintf(path, sizeof path, "%s/out.txt", dir);
	assert_int_equal(ofile_open(path, &o, &e), 0);
	fputs("partial", ofile_fp(o));
	ofile_abort(o);
	listing(dir, ls, sizeof ls);
	assert_string_equal(ls, "");
	rmtmp(dir);
}

static void relative_path_without_folder(void **state)
{
	char *dir = mktmp(), cwd[600], ls[256];
	struct ofile *o;
	struct err e;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(ofile_open("plain.txt", &o, &e), 0);
	fputs("x", ofile_fp(o));
	assert_int_equal(ofile_commit(o, &e), 0);
	assert_int_equal(chdir(cwd), 0);
	listing(dir, ls, sizeof ls);
	assert_string_equal(ls, "plain.txt ");
	rmtmp(dir);
}

static void missing_folder(void **state)
{
	struct ofile *o;
	struct err e;

	(void)state;
	assert_int_equal(ofile_open("no/such/folder/x.txt", &o, &e), ERR_NOINPUT);
	assert_null(o);
	assert_non_null(strstr(e.msg, "no/such/folder/x.txt: cannot create"));
}

static void rename_failure_is_reported(void **state)
{
	char *dir = mktmp(), path[600], ls[256];
	struct ofile *o;
	struct err e;

	(void)state;
	/* A folder named at the open is refused then, before the work. */
	snprintf(path, sizeof path, "%s/taken", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(ofile_open(path, &o, &e), ERR_IO);
	assert_null(o);
	assert_non_null(strstr(e.msg, "is a folder"));
	assert_int_equal(rmdir(path), 0);
	/* One that appears while the file is written fails the rename. */
	assert_int_equal(ofile_open(path, &o, &e), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/taken/x", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	fputs("x", ofile_fp(o));
	assert_int_equal(ofile_commit(o, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "cannot rename"));
	listing(dir, ls, sizeof ls);
	assert_string_equal(ls, "taken ");
	rmtmp(dir);
}

/* RLIMIT_FSIZE stands in for a full disk. */
static void write_error_on_commit(void **state)
{
	char *dir = mktmp(), path[600], ls[256], big[8192];
	struct rlimit old, lim;
	struct ofile *o;
	struct err e;
	int rc;

	(void)state;
	memset(big, 'x', sizeof big);
	snprintf(path, sizeof path, "%s/full.txt", dir);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = 4096;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(ofile_open(path, &o, &e), 0);
	fwrite(big, 1, sizeof big, ofile_fp(o));
	fwrite(big, 1, sizeof big, ofile_fp(o));
	rc = ofile_commit(o, &e);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(rc, ERR_IO);
	assert_non_null(strstr(e.msg, "full.txt: write failed"));
	listing(dir, ls, sizeof ls);
	assert_string_equal(ls, "");
	rmtmp(dir);
}

/* "-" is stdout: commit flushes and reports a failed write. Run in a
 * child whose stdout is the file or device under test. */
static int stdout_commit_in_child(const char *target)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct ofile *o;
		struct err e;
		int fd = open(target, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(100);
		if (ofile_open("-", &o, &e) || ofile_fp(o) != stdout)
			_exit(101);
		fputs("to stdout\n", ofile_fp(o));
		_exit(ofile_commit(o, &e));
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void stdout_target(void **state)
{
	char *dir = mktmp(), path[600], got[64];

	(void)state;
	snprintf(path, sizeof path, "%s/captured", dir);
	assert_int_equal(stdout_commit_in_child(path), 0);
	contents(path, got, sizeof got);
	assert_string_equal(got, "to stdout\n");
	assert_int_equal(stdout_commit_in_child("/dev/full"), ERR_IO);
	rmtmp(dir);
}

/* A FIFO (like /dev/null, not a regular file) is written in place: still a
 * FIFO after the commit, its reader gets the bytes, no temporary is left. */
/* A name of 253 bytes is valid; its temporary name must be too. */
static void long_name(void **state)
{
	char *dir = mktmp(), path[800], ls[600], name[260];
	struct ofile *o;
	struct err e;

	(void)state;
	memset(name, 'x', 249);
	strcpy(name + 249, ".csv");
	snprintf(path, sizeof path, "%s/%s", dir, name);
	assert_int_equal(ofile_open(path, &o, &e), 0);
	fputs("long\n", ofile_fp(o));
	assert_int_equal(ofile_commit(o, &e), 0);
	listing(dir, ls, sizeof ls);
	assert_int_equal(strlen(ls), 254);
	assert_memory_equal(ls, name, 253);
	rmtmp(dir);
}

/* The checks leave nothing behind, and refuse what ofile_open would. */
static void check_before_writing(void **state)
{
	char *dir = mktmp(), path[600], sub[600], ls[256];
	struct err e;

	(void)state;
	snprintf(path, sizeof path, "%s/x.csv", dir);
	snprintf(sub, sizeof sub, "%s/charts", dir);
	assert_int_equal(ofile_check(path, &e), 0);
	assert_int_equal(ofile_check("-", &e), 0);
	assert_int_equal(ofile_check("/dev/null", &e), 0);
	assert_int_equal(ofile_check_dir(sub, &e), 0);
	listing(dir, ls, sizeof ls);
	assert_string_equal(ls, "");
	assert_int_equal(mkdir(sub, 0777), 0);
	assert_int_equal(ofile_check_dir(sub, &e), 0);
	listing(sub, ls, sizeof ls);
	assert_string_equal(ls, "");
	assert_int_equal(ofile_check(sub, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "is a folder"));
	assert_int_equal(ofile_check("no/such/folder/x.txt", &e), ERR_NOINPUT);
	assert_non_null(strstr(e.msg, "no/such/folder/x.txt: cannot create"));
	assert_int_equal(ofile_check_dir("no/such/folder", &e), ERR_IO);
	assert_non_null(strstr(e.msg, "no/such/folder"));
	assert_int_equal(ofile_check_dir(path, &e), 0); /* x.csv is not there */
	assert_int_equal(ofile_check_dir("/dev/null", &e), ERR_IO);
	assert_non_null(strstr(e.msg, "not a folder"));
	rmtmp(dir);
}

/* Replacing a file keeps its mode, as ">" does (it was 0666 & ~umask:
 * a 0600 file became readable by all); a file that may not be written
 * is refused (only checkable when not root). */
static void existing_mode_kept(void **state)
{
	char *dir = mktmp(), path[600];
	struct ofile *o;
	struct stat st;
	struct err e;

	(void)state;
	snprintf(path, sizeof path, "%s/keep.csv", dir);
	assert_int_equal(close(open(path, O_WRONLY | O_CREAT, 0600)), 0);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(ofile_open(path, &o, &e), 0);
	fputs("x\n", ofile_fp(o));
	assert_int_equal(ofile_commit(o, &e), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* A new file gets what ">" gives it: 0666 less the umask, read
	 * without setting it (another thread may be making files). */
	{
		char fresh[620];
		mode_t old = umask(027);

		snprintf(fresh, sizeof fresh, "%s/new.csv", dir);
		assert_int_equal(ofile_open(fresh, &o, &e), 0);
		assert_int_equal(ofile_commit(o, &e), 0);
		umask(old);
		assert_int_equal(stat(fresh, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0640);
	}
	if (geteuid() != 0) {
		assert_int_equal(chmod(path, 0444), 0);
		assert_int_equal(ofile_check(path, &e), ERR_IO);
		assert_int_equal(ofile_open(path, &o, &e), ERR_IO);
		assert_non_null(strstr(e.msg, "cannot write"));
	}
	rmtmp(dir);
}

/* A link to a file not there yet: the file is made through a temporary
 * file beside it, so an abort leaves nothing (it was written in place,
 * and an interrupted run left a file cut short), and the link stays. */
static void dangling_link_written_through(void **state)
{
	char *dir = mktmp(), link[600], sub[600], target[700], ls[256];
	struct ofile *o;
	struct stat lst;
	struct err e;

	(void)state;
	snprintf(sub, sizeof sub, "%s/real", dir);
	snprintf(link, sizeof link, "%s/d.csv", dir);
	snprintf(target, sizeof target, "%s/new.csv", sub);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(symlink("real/new.csv", link), 0);
	assert_int_equal(ofile_open(link, &o, &e), 0);
	fputs("half", ofile_fp(o));
	fflush(ofile_fp(o));
	ofile_abort(o);
	listing(sub, ls, sizeof ls);
	assert_string_equal(ls, "");
	assert_int_equal(ofile_open(link, &o, &e), 0);
	fputs("whole\n", ofile_fp(o));
	assert_int_equal(ofile_commit(o, &e), 0);
	listing(sub, ls, sizeof ls);
	assert_string_equal(ls, "new.csv ");
	assert_int_equal(lstat(link, &lst), 0);
	assert_true(S_ISLNK(lst.st_mode));
	/* Into a folder that is not there: no input (66), as without a link. */
	assert_int_equal(unlink(link), 0);
	assert_int_equal(symlink("nowhere/x.csv", link), 0);
	/* ofile_check finds it first (a tool checks every output before it
	 * writes the first). */
	assert_int_equal(ofile_check(link, &e), ERR_NOINPUT);
	assert_int_equal(ofile_open(link, &o, &e), ERR_NOINPUT);
	rmtmp(dir);
}

/* Another user's link in a shared folder (sticky, anyone may write:
 * /tmp) is the classic trap for a tool run as root: "-o /tmp/r.csv"
 * replaced whatever the link named, as the tool resolved it itself and
 * skipped the kernel's protected_symlinks rule. It is refused, also
 * where the rule is off (as in this container); the same link in a
 * folder that is not shared is written through. Needs root (lchown). */
static void others_link_in_shared_folder(void **state)
{
	char *dir = mktmp(), link[600], victim[600], got[64];
	struct ofile *o;
	struct err e;
	FILE *fp;

	(void)state;
	if (geteuid() != 0) {
		rmtmp(dir);
		skip();
	}
	snprintf(link, sizeof link, "%s/r.csv", dir);
	snprintf(victim, sizeof victim, "%s/victim", dir);
	assert_non_null(fp = fopen(victim, "w"));
	fputs("keep\n", fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(symlink(victim, link), 0);
	assert_int_equal(lchown(link, 65534, 65534), 0);
	assert_int_equal(chmod(dir, 01777), 0);
	assert_int_equal(ofile_check(link, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "another user"));
	assert_int_equal(ofile_open(link, &o, &e), ERR_IO);
	contents(victim, got, sizeof got);
	assert_string_equal(got, "keep\n");
	/* Reached through a link of one's own: refused, the hop named. */
	{
		char mine[700];
		char *own = mktmp();

		snprintf(mine, sizeof mine, "%s/mine.csv", own);
		assert_int_equal(symlink(link, mine), 0);
		assert_int_equal(ofile_open(mine, &o, &e), ERR_IO);
		assert_non_null(strstr(e.msg, "r.csv is a link another user made"));
		rmtmp(own);
	}
	/* One to a device or a FIFO too: it was written in place. */
	assert_int_equal(unlink(link), 0);
	assert_int_equal(symlink("/dev/null", link), 0);
	assert_int_equal(lchown(link, 65534, 65534), 0);
	assert_int_equal(ofile_check(link, &e), ERR_IO);
	assert_int_equal(ofile_open(link, &o, &e), ERR_IO);
	assert_int_equal(unlink(link), 0);
	assert_int_equal(symlink(victim, link), 0);
	assert_int_equal(lchown(link, 65534, 65534), 0);
	/* A dangling one too: it would have made the file it names. */
	assert_int_equal(unlink(victim), 0);
	assert_int_equal(ofile_open(link, &o, &e), ERR_IO);
	assert_int_equal(access(victim, F_OK), -1);
	/* Not shared: written through. */
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(ofile_open(link, &o, &e), 0);
	fputs("new\n", ofile_fp(o));
	assert_int_equal(ofile_commit(o, &e), 0);
	contents(victim, got, sizeof got);
	assert_string_equal(got, "new\n");
	rmtmp(dir);
}

static void fifo_written_in_place(void **state)
{
	char *dir = mktmp(), path[600], out[620], ls[256], got[64];
	struct ofile *o;
	struct stat st;
	struct err e;
	pid_t pid;
	int status;

	(void)state;
	snprintf(path, sizeof path, "%s/fifo", dir);
	snprintf(out, sizeof out, "%s/fifo.out", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		FILE *in = fopen(path, "r"), *w = fopen(out, "w");
		int c;

		if (!in || !w)
			_exit(1);
		while ((c = getc(in)) != EOF)
			putc(c, w);
		_exit(fclose(w) != 0);
	}
	assert_int_equal(ofile_open(path, &o, &e), 0);
	fputs("in place\n", ofile_fp(o));
	assert_int_equal(ofile_commit(o, &e), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	contents(out, got, sizeof got);
	assert_string_equal(got, "in place\n");
	listing(dir, ls, sizeof ls);
	assert_string_equal(ls, "fifo fifo.out ");
	rmtmp(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(commit_replaces_target),
		cmocka_unit_test(abort_removes_temporary),
		cmocka_unit_test(relative_path_without_folder),
		cmocka_unit_test(missing_folder),
		cmocka_unit_test(rename_failure_is_reported),
		cmocka_unit_test(write_error_on_commit),
		cmocka_unit_test(stdout_target),
		cmocka_unit_test(fifo_written_in_place),
		cmocka_unit_test(existing_mode_kept),
		cmocka_unit_test(dangling_link_written_through),
		cmocka_unit_test(others_link_in_shared_folder),
		cmocka_unit_test(check_before_writing),
		cmocka_unit_test(long_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
