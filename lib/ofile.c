#include "ofile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct ofile {
	FILE *fp;
	char *path; /* target; NULL for stdout */
	char *tmp;  /* temporary beside it; NULL for stdout or a device */
};

/* "dir/name" -> "dir/.name.XXXXXX": hidden, and in the same folder so the
 * rename cannot cross file systems. A name too long for that (a file
 * system's limit is 255 bytes a name) gets "dir/.llmbench.XXXXXX". */
static char *tmp_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dir = slash ? (size_t)(slash - path) + 1 : 0;
	size_t n = strlen(path);
	char *t = malloc(n + 18);

	if (!t)
		return NULL;
	memcpy(t, path, dir);
	if (n - dir + 8 > 255) {
		memcpy(t + dir, ".llmbench.XXXXXX", 17);
		return t;
	}
	t[dir] = '.';
	memcpy(t + dir + 1, path + dir, n - dir);
	memcpy(t + n + 1, ".XXXXXX", 8);
	return t;
}

/* The descriptor a path names (/dev/stderr, /dev/fd/N, /proc/self/fd/N),
 * or -1. */
static int fd_named(const char *path)
{
	static const char *const pre[] = {"/dev/fd/", "/proc/self/fd/"};
	char *end;
	long n;

	if (strcmp(path, "/dev/stderr") == 0)
		return 2;
	for (size_t i = 0; i < sizeof pre / sizeof *pre; i++) {
		size_t k = strlen(pre[i]);

		if (strncmp(path, pre[i], k) == 0 && path[k]) {
			n = strtol(path + k, &end, 10);
			if (!*end && n >= 0 && n < 1 << 20)
				return (int)n;
		}
	}
	return -1;
}

/* Whether the kernel lets this user follow the link at path with
 * lst its lstat (fs.protected_symlinks): in a sticky folder anyone may
 * write in (/tmp), only the link's owner, or anyone when the folder's
 * owner made it. A link resolved by hand (readlink, realpath) skips that
 * rule, and as root "-o /tmp/r.csv" would then replace whatever another
 * user's link there names, /etc/passwd as well. */
static int may_follow(const char *path, const struct stat *lst)
{
	const char *slash = strrchr(path, '/');
	struct stat dst;
	char *dir;
	int ok;

	if (lst->st_uid == geteuid())
		return 1;
	dir = slash ? strndup(path, (size_t)(slash - path) + 1) : strdup(".");
	ok = dir && stat(dir, &dst) == 0 &&
	     (!(dst.st_mode & S_ISVTX) || !(dst.st_mode & S_IWOTH) || dst.st_uid == lst->st_uid);
	free(dir);
	return ok;
}

/* Where the symbolic link at path points, followed link by link as
 * open(2) would, to the file to write (there or not yet). NULL when path
 * is no link, on a loop (40 links), or out of memory; and with *refused
 * set (owned) to the link may_follow refuses, that hop's path. */
static char *link_target(const char *path, char **refused)
{
	char *p = strdup(path), buf[4096];

	for (int hops = 0; p && hops < 40; hops++) {
		struct stat lst;
		const char *slash = strrchr(p, '/');
		char *next = NULL;
		ssize_t n;

		if (lstat(p, &lst) != 0 || !S_ISLNK(lst.st_mode)) {
			if (hops)
				return p;
			break;
		}
		if (!may_follow(p, &lst)) {
			*refused = p;
			return NULL;
		}
		if ((n = readlink(p, buf, sizeof buf - 1)) < 0)
			break;
		buf[n] = '\0';
		/* Relative to the link's folder. */
		if (buf[0] == '/' || !slash)
			next = strdup(buf);
		else if (asprintf(&next, "%.*s/%s", (int)(slash - p), p, buf) < 0)
			next = NULL;
		free(p);
		p = next;
	}
	free(p);
	return NULL;
}

/* Where ofile_open writes path, found alike by ofile_check: *real (owned;
 * NULL: path itself); whether a file is there (*exists, its *st); and
 * *in_place: a device or a FIFO (-o /dev/null, a named pipe), written as
 * opened, since renaming a file over it would replace the node itself
 * (as root "-o /dev/null" would leave /dev/null a regular file that
 * everything on the machine then writes into). A symbolic link is
 * written through, not replaced: the rename goes where it points, also
 * when that is not there yet (written in place, an interrupted run left
 * a file cut short). A link the kernel's protected_symlinks rule forbids
 * (another user's, in /tmp) is refused, also where the rule is off.
 * Returns 0, or ERR_IO naming path: a folder (it could not be renamed
 * over), such a link, or a file there that may not be written (as ">"
 * would refuse it; the rename would have replaced it). */
static int target(const char *path, struct stat *st, int *exists, char **real,
		  int *in_place, struct err *e)
{
	struct stat lst;
	char *refused = NULL;
	int code, link;

	*real = NULL;
	*in_place = 0;
	/* A link first, whatever it names: another user's in /tmp that
	 * named a device or a FIFO was opened in place, and followed. */
	link = lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode);
	if (link && !(*real = link_target(path, &refused)) && refused) {
		/* Named: the hop refused may be a later link than path. */
		code = strcmp(refused, path) ?
			err_set(e, ERR_IO, "%s: %s is a link another user made in a shared folder; "
				"not followed (as fs.protected_symlinks would not)", path, refused) :
			err_set(e, ERR_IO, "%s: a link another user made in a shared folder; "
				"not followed (as fs.protected_symlinks would not)", path);
		free(refused);
		return code;
	}
	if (!(*exists = stat(path, st) == 0))
		st->st_mode = S_IFREG; /* not there yet: a file */
	if (S_ISDIR(st->st_mode) || !S_ISREG(st->st_mode) || (link && !*real)) {
		free(*real);
		*real = NULL;
		if (S_ISDIR(st->st_mode))
			return err_set(e, ERR_IO, "%s: is a folder", path);
		*in_place = 1; /* a device, a FIFO; a loop or no memory: fopen says */
		return 0;
	}
	if (*exists && access(*real ? *real : path, W_OK) != 0) {
		code = errno;
		free(*real);
		*real = NULL;
		return err_set(e, ERR_IO, "%s: cannot write: %s", path, strerror(code));
	}
	return 0;
}

/* The process's umask. Setting it is the only portable way to read it,
 * and for that moment every file another thread makes (llmrun's scraper
 * runs beside this) would be 0666: Linux shows it in /proc/self/status. */
static mode_t current_umask(void)
{
	FILE *fp = fopen("/proc/self/status", "r");
	char line[256];
	unsigned m;
	mode_t old;

	while (fp && fgets(line, sizeof line, fp))
		if (sscanf(line, "Umask: %o", &m) == 1) {
			fclose(fp);
			return (mode_t)m;
		}
	if (fp)
		fclose(fp);
	old = umask(0);
	umask(old);
	return old;
}

/* stdout by its names ("-", /dev/stdout). */
static int is_stdout(const char *path)
{
	return strcmp(path, "-") == 0 || strcmp(path, "/dev/stdout") == 0;
}

int ofile_open(const char *path, struct ofile **out, struct err *e)
{
	struct ofile *o = calloc(1, sizeof *o);
	struct stat st;
	char *real = NULL;
	mode_t mode;
	int fd, fdn, exists, in_place, code;

	*out = NULL;
	if (!o)
		return err_set(e, ERR_SOFTWARE, "%s: out of memory", path);
	if (is_stdout(path)) {
		o->fp = stdout;
		*out = o;
		return 0;
	}
	/* A descriptor named as a file (/dev/stderr, /dev/fd/N,
	 * /proc/self/fd/N): written where it points, as it is open. Opened
	 * by name it would be the file behind it, from its start (a shell's
	 * ">>" log truncated), and renamed over it would swap out the file
	 * the shell holds. */
	if ((fdn = fd_named(path)) >= 0) {
		int fd = dup(fdn);

		if (fd < 0 || !(o->fp = fdopen(fd, "w")) || !(o->path = strdup(path))) {
			err_set(e, ERR_IO, "%s: %s", path, strerror(errno ? errno : ENOMEM));
			if (o->fp)
				fclose(o->fp);
			else if (fd >= 0)
				close(fd);
			free(o);
			return ERR_IO;
		}
		*out = o;
		return 0;
	}
	if ((code = target(path, &st, &exists, &real, &in_place, e))) {
		free(o);
		return code;
	}
	if (in_place) {
		o->path = strdup(path);
		if (!o->path || !(o->fp = fopen(path, "w"))) {
			int code = o->path ? ERR_IO : ERR_SOFTWARE;

			err_set(e, code, "%s: cannot open: %s", path,
				o->path ? strerror(errno) : "out of memory");
			free(o->path);
			free(o);
			return code;
		}
		*out = o;
		return 0;
	}
	o->path = real ? real : strdup(path);
	o->tmp = tmp_name(o->path ? o->path : path);
	if (!o->path || !o->tmp) {
		free(o->path);
		free(o->tmp);
		free(o);
		return err_set(e, ERR_SOFTWARE, "%s: out of memory", path);
	}
	fd = mkstemp(o->tmp);
	if (fd < 0) {
		int code = errno == ENOENT || errno == ENOTDIR ? ERR_NOINPUT : ERR_IO;

		err_set(e, code, "%s: cannot create: %s", path, strerror(errno));
		free(o->path);
		free(o->tmp);
		free(o);
		return code;
	}
	/* mkstemp makes the file 0600; give it the mode ">" would leave:
	 * the file's own when it is there, with its owner and group where
	 * this user may set them, else fopen's. */
	if (exists) {
		mode = st.st_mode & 0777;
		/* The owner only root may set; the group, a member too. */
		if ((st.st_uid != geteuid() || st.st_gid != getegid()) &&
		    fchown(fd, st.st_uid, st.st_gid) != 0)
			(void)!fchown(fd, (uid_t)-1, st.st_gid);
	} else {
		mode = 0666 & ~current_umask();
	}
	if (fchmod(fd, mode) != 0 || !(o->fp = fdopen(fd, "w"))) {
		err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(o->tmp);
		free(o->path);
		free(o->tmp);
		free(o);
		return ERR_IO;
	}
	*out = o;
	return 0;
}

FILE *ofile_fp(struct ofile *o)
{
	return o->fp;
}

static void release(struct ofile *o)
{
	free(o->path);
	free(o->tmp);
	free(o);
}

int ofile_commit(struct ofile *o, struct err *e)
{
	int rc = 0;

	/* ferror catches a failure of an earlier, buffered write whose errno
	 * may be gone; fclose catches the last flush. */
	errno = 0;
	if (!o->tmp) {
		const char *name = o->path ? o->path : "stdout";

		if (fflush(o->fp) != 0 || ferror(o->fp))
			rc = err_set(e, ERR_IO, "%s: write failed: %s", name,
				     strerror(errno ? errno : EIO));
		if (o->path && fclose(o->fp) != 0 && !rc)
			rc = err_set(e, ERR_IO, "%s: write failed: %s", name,
				     strerror(errno));
		release(o);
		return rc;
	}
	if (fflush(o->fp) != 0 || ferror(o->fp)) {
		rc = err_set(e, ERR_IO, "%s: write failed: %s", o->path,
			     strerror(errno ? errno : EIO));
		fclose(o->fp);
	} else if (fclose(o->fp) != 0) {
		rc = err_set(e, ERR_IO, "%s: write failed: %s", o->path,
			     strerror(errno));
	} else if (rename(o->tmp, o->path) != 0) {
		rc = err_set(e, ERR_IO, "%s: cannot rename %s into place: %s",
			     o->path, o->tmp, strerror(errno));
	}
	if (rc)
		unlink(o->tmp);
	release(o);
	return rc;
}

int ofile_publish(struct ofile *o, struct err *e)
{
	if (!o->tmp)
		return 0;
	errno = 0;
	if (fflush(o->fp) != 0 || ferror(o->fp))
		return err_set(e, ERR_IO, "%s: write failed: %s", o->path, strerror(errno ? errno : EIO));
	if (rename(o->tmp, o->path) != 0)
		return err_set(e, ERR_IO, "%s: cannot rename %s into place: %s", o->path, o->tmp,
			       strerror(errno));
	free(o->tmp);
	o->tmp = NULL;
	return 0;
}

void ofile_abort(struct ofile *o)
{
	if (o->tmp) {
		fclose(o->fp);
		unlink(o->tmp);
	} else if (o->path) {
		fclose(o->fp);
	}
	release(o);
}

/* Makes a file from template t (mkstemp) and removes it again. */
static int probe(char *t)
{
	int fd = mkstemp(t);

	if (fd < 0)
		return -1;
	close(fd);
	unlink(t);
	return 0;
}

int ofile_check(const char *path, struct err *e)
{
	struct stat st;
	char *t, *real = NULL;
	int rc, exists, in_place;

	if (is_stdout(path) || fd_named(path) >= 0)
		return 0;
	/* Where ofile_open will write, refused as it would refuse it. */
	if ((rc = target(path, &st, &exists, &real, &in_place, e)))
		return rc;
	if (in_place)
		return 0;
	t = tmp_name(real ? real : path);
	free(real);
	if (!t)
		return err_set(e, ERR_SOFTWARE, "%s: out of memory", path);
	if (probe(t) != 0)
		rc = err_set(e, errno == ENOENT || errno == ENOTDIR ? ERR_NOINPUT : ERR_IO,
			     "%s: cannot create: %s", path, strerror(errno));
	free(t);
	return rc;
}

int ofile_check_dir(const char *dir, struct err *e)
{
	struct stat st;
	size_t n = strlen(dir);
	char *t;
	int rc = 0;

	if (stat(dir, &st) != 0) {
		if (mkdir(dir, 0777) != 0)
			return err_set(e, ERR_IO, "%s: %s", dir, strerror(errno));
		rmdir(dir);
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return err_set(e, ERR_IO, "%s: not a folder", dir);
	if (!(t = malloc(n + 24)))
		return err_set(e, ERR_SOFTWARE, "%s: out of memory", dir);
	snprintf(t, n + 24, "%s/.llmbench-check.XXXXXX", dir);
	if (probe(t) != 0)
		rc = err_set(e, ERR_IO, "%s: cannot write in it: %s", dir, strerror(errno));
	free(t);
	return rc;
}

int ofile_stream(const char *path)
{
	struct stat st;

	if (is_stdout(path) || fd_named(path) >= 0)
		return 1;
	return stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

/* path with its folder resolved ("./r.csv" and "r.csv" alike), or NULL. */
static char *canonical(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, (size_t)(slash - path + 1)) : strdup("."), *real, *out = NULL;

	if (!dir)
		return NULL;
	if ((real = realpath(dir, NULL)) && asprintf(&out, "%s/%s", real, slash ? slash + 1 : path) < 0)
		out = NULL;
	free(real);
	free(dir);
	return out;
}

int ofile_same(const char *a, const char *b)
{
	struct stat sa, sb;
	char *ca, *cb;
	int same;

	if (!a || !b || strcmp(a, "-") == 0 || strcmp(b, "-") == 0)
		return 0;
	if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
		return S_ISREG(sa.st_mode) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	/* Not both there yet (a first run's -o and --meta): by name. */
	ca = canonical(a);
	cb = canonical(b);
	same = ca && cb && strcmp(ca, cb) == 0;
	free(ca);
	free(cb);
	return same;
}
