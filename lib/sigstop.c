#include "sigstop.h"

#include <signal.h>
#include <string.h>

static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };

void sigstop_catch(void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sa.sa_flags = SA_RESTART;
	/* A second signal waits for the handler of the first: a SIGTERM in
	 * the middle of SIGINT's "stop_flag++" was lost. */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}

void sigstop_default(void)
{
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		signal(sigs[i], SIG_DFL);
}

void sigstop_reraise(int sig)
{
	signal(sig, SIG_DFL);
	raise(sig);
}
