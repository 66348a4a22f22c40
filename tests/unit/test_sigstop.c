#include "check.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sigstop.h"

static volatile sig_atomic_t got;

static void on_stop(int sig)
{
	got = sig;
}

/* In a child: catch, take sig, then re-raise it. The child must die of
 * sig (what a shell shows as 128 + sig), not exit. */
static void caught_then_reraised(int sig)
{
	int status;
	pid_t p = fork();

	assert_true(p >= 0);
	if (p == 0) {
		got = 0;
		sigstop_catch(on_stop);
		raise(sig);
		if (got != sig)
			_exit(2);
		sigstop_reraise(got);
		_exit(3); /* not reached */
	}
	assert_int_equal(waitpid(p, &status, 0), p);
	if (!WIFSIGNALED(status))
		fail_msg("signal %d: the child exited %d, not killed by the signal",
			 sig, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	assert_int_equal(WTERMSIG(status), sig);
}

static void reraise_int_term_hup(void **state)
{
	(void)state;
	caught_then_reraised(SIGINT);
	caught_then_reraised(SIGTERM);
	caught_then_reraised(SIGHUP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reraise_int_term_hup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
