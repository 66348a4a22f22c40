#ifndef LLMBENCH_FDLIMIT_H
#define LLMBENCH_FDLIMIT_H
/*
 * The limit on open files. Every connection holds a descriptor, and under
 * a soft limit of 1,024 (a common default) the 1,025th connect or accept
 * fails; the hard limit is what the system allows the process.
 */

/* Raises the soft limit to the hard one. Returns the soft limit now in
 * force, -1 for no limit or when it cannot be read. */
long long fdlimit_raise(void);

#endif
