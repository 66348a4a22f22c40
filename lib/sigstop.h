#ifndef LLMBENCH_SIGSTOP_H
#define LLMBENCH_SIGSTOP_H
/*
 * The signals that ask a tool to stop: SIGINT (Ctrl-C), SIGTERM (a
 * supervisor) and SIGHUP (the terminal or ssh session closed). Caught
 * with SA_RESTART: a write to a slow pipe or FIFO that the signal
 * interrupts goes on, where it failed with EINTR and the rows not yet
 * written were lost. epoll_wait, poll and the sleeps still return EINTR
 * (signal(7)), so a loop waiting on them sees the stop at once.
 */

/* Installs fn for the three; fn may only set a volatile sig_atomic_t. */
void sigstop_catch(void (*fn)(int));

/* Back to the default (the signal ends the process at once), for a tool
 * that catches them only while it has something to clean up: caught,
 * a read blocked on a pipe would be restarted and never end. */
void sigstop_default(void);

/* Ends the process as sig (one of the three) would have without the
 * handler, so a shell sees 128 + sig (130, 143, 129): sig's default
 * action back, then sig raised. For a tool that cleans up (removes its
 * temporary files) after the stop and then dies of the signal. Returns
 * only when sig is blocked. */
void sigstop_reraise(int sig);

#endif
