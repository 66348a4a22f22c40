/* recvstamp.h: recv() of the active reader's socket returns the kernel's
 * stamps (the newest bytes read, and with want_first the first byte), on
 * a real loopback TCP connection. */
#include "check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clk.h"
#include "../../run/recvstamp.h"

/* The slack of a kernel stamp moved to the monotonic clock (an offset read
 * to 0.5 us, as the engine's). */
#define SLACK_NS 2000

struct pair {
	int srv, cli; /* srv writes, cli reads with SO_TIMESTAMPNS */
};

static void pair_open(struct pair *p)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t n = sizeof a;
	int l = socket(AF_INET, SOCK_STREAM, 0), on = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &n), 0);
	p->cli = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(setsockopt(p->cli, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on), 0);
	assert_int_equal(connect(p->cli, (struct sockaddr *)&a, sizeof a), 0);
	p->srv = accept(l, NULL, NULL);
	assert_true(p->srv >= 0);
	/* Each write leaves at once (no Nagle wait for an ACK). */
	assert_int_equal(setsockopt(p->srv, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on), 0);
	close(l);
}

static void pair_close(struct pair *p)
{
	close(p->srv);
	close(p->cli);
}

/* Waits until n bytes wait on fd. */
static void wait_bytes(int fd, int n)
{
	int have = 0;

	for (int i = 0; i < 1000 && have < n; i++) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};

		(void)poll(&pf, 1, 10);
		assert_int_equal(ioctl(fd, FIONREAD, &have), 0);
	}
	assert_int_equal(have, n);
}

static struct clk_wall *wall_now(void)
{
	static struct clk_wall w;

	clk_wall_read(&w);
	return &w;
}

/* Two writes 2 ms apart read at once: the stamps lie between the writes'
 * starts and the read, first no later than stamp; the bytes are whole. */
static void stamps_of_a_read_and_its_first_byte(void **state)
{
	struct pair p;
	struct rst r = {.fd = -1, .want_first = 1};
	int64_t t_a, t_b, t_read;
	char buf[8];

	(void)state;
	pair_open(&p);
	t_a = clk_mono_ns();
	assert_int_equal(write(p.srv, "a", 1), 1);
	clk_sleep_until(clk_mono_ns() + 2 * CLK_NS_PER_MS, NULL);
	t_b = clk_mono_ns();
	assert_int_equal(write(p.srv, "bc", 2), 2);
	wait_bytes(p.cli, 3);
	r.wall = wall_now();
	rst_begin(&r, p.cli);
	assert_int_equal(recv(p.cli, buf, sizeof buf, 0), 3);
	t_read = clk_mono_ns();
	rst_end(&r);
	assert_memory_equal(buf, "abc", 3);
	assert_true(r.first > 0 && r.stamp > 0);
	assert_true(r.first >= t_a - SLACK_NS);  /* never before the first byte left */
	assert_true(r.stamp >= t_b - SLACK_NS);  /* the newest bytes' */
	assert_true(r.first <= r.stamp);
	assert_true(r.stamp <= t_read + SLACK_NS);
	assert_true(r.drained); /* 3 of 8 bytes: the socket was emptied */
	pair_close(&p);
}

/* The first byte's stamp is the first read's: a later read (or a reader
 * without want_first) does not move it. */
static void first_is_taken_once_and_only_when_wanted(void **state)
{
	struct pair p;
	struct rst r = {.fd = -1, .want_first = 1}, plain = {.fd = -1};
	int64_t first;
	char buf[8];

	(void)state;
	pair_open(&p);
	assert_int_equal(write(p.srv, "x", 1), 1);
	wait_bytes(p.cli, 1);
	r.wall = wall_now();
	rst_begin(&r, p.cli);
	assert_int_equal(recv(p.cli, buf, sizeof buf, 0), 1);
	first = r.first;
	assert_true(first > 0);
	clk_sleep_until(clk_mono_ns() + 2 * CLK_NS_PER_MS, NULL);
	assert_int_equal(write(p.srv, "y", 1), 1);
	wait_bytes(p.cli, 1);
	assert_int_equal(recv(p.cli, buf, sizeof buf, 0), 1);
	assert_true(r.first == first);
	assert_true(r.stamp >= first + 2 * CLK_NS_PER_MS - SLACK_NS);
	rst_end(&r);

	assert_int_equal(write(p.srv, "z", 1), 1);
	wait_bytes(p.cli, 1);
	plain.wall = r.wall;
	rst_begin(&plain, p.cli);
	assert_int_equal(recv(p.cli, buf, sizeof buf, 0), 1);
	rst_end(&plain);
	assert_true(plain.first == 0 && plain.stamp > 0);
	pair_close(&p);
}

/* Another socket, or no active reader: recv() is the C library's. */
static void other_sockets_read_unchanged(void **state)
{
	struct pair p;
	struct rst r = {.fd = -1, .want_first = 1};
	char buf[8];

	(void)state;
	pair_open(&p);
	assert_int_equal(write(p.srv, "q", 1), 1);
	wait_bytes(p.cli, 1);
	rst_begin(&r, p.srv); /* the reader is another socket */
	assert_int_equal(recv(p.cli, buf, sizeof buf, 0), 1);
	rst_end(&r);
	assert_true(r.first == 0 && r.stamp == 0);
	assert_int_equal(buf[0], 'q');
	pair_close(&p);
}

static int idle_fd = -1;

static int is_idle(void *ud, int fd)
{
	(*(int *)ud)++;
	return fd == idle_fd;
}

/* rst_idle: a zero-timeout poll() for reading of a socket the test calls
 * idle is "nothing to read" though a byte waits; of another socket, with
 * a timeout, or for writing, and once the test is taken away, it is the
 * kernel's answer. */
static void idle_sockets_polled_without_the_kernel(void **state)
{
	struct pair p;
	struct pollfd pf;
	int asked = 0;

	(void)state;
	pair_open(&p);
	assert_int_equal(write(p.srv, "q", 1), 1);
	wait_bytes(p.cli, 1);
	idle_fd = p.cli;
	rst_idle(is_idle, &asked);
	pf = (struct pollfd){.fd = p.cli, .events = POLLIN | POLLPRI | POLLRDNORM | POLLRDBAND, .revents = POLLIN};
	assert_int_equal(poll(&pf, 1, 0), 0);
	assert_int_equal(pf.revents, 0);
	assert_int_equal(asked, 1);
	pf = (struct pollfd){.fd = p.cli, .events = POLLIN};
	assert_int_equal(poll(&pf, 1, 10), 1); /* a timeout: the kernel's */
	assert_true(pf.revents & POLLIN);
	pf = (struct pollfd){.fd = p.cli, .events = POLLIN | POLLOUT};
	assert_int_equal(poll(&pf, 1, 0), 1); /* writing too: the kernel's */
	idle_fd = p.srv;
	assert_int_equal(write(p.cli, "r", 1), 1);
	wait_bytes(p.srv, 1);
	pf = (struct pollfd){.fd = p.cli, .events = POLLIN};
	assert_int_equal(poll(&pf, 1, 0), 1); /* not idle: the kernel's */
	rst_idle(NULL, NULL);
	idle_fd = p.cli;
	asked = 0;
	pf = (struct pollfd){.fd = p.cli, .events = POLLIN};
	assert_int_equal(poll(&pf, 1, 0), 1);
	assert_int_equal(asked, 0);
	pair_close(&p);
}

/*
 * The kernel turns receive stamping on for the whole system when a first
 * socket asks, after a delay (a static key switched from a work queue),
 * and off when the last such socket closes: bytes that arrive meanwhile
 * carry no stamp. A socket kept open for the whole run, read until its
 * bytes come stamped, keeps it on for the tests.
 */
static struct pair keeper;

static int stamping_on(void **state)
{
	struct rst r = {.fd = -1};
	char c;

	(void)state;
	pair_open(&keeper);
	r.wall = wall_now();
	for (int i = 0; i < 200 && !r.stamp; i++) {
		clk_sleep_until(clk_mono_ns() + 5 * CLK_NS_PER_MS, NULL);
		assert_int_equal(write(keeper.srv, "k", 1), 1);
		wait_bytes(keeper.cli, 1);
		rst_begin(&r, keeper.cli);
		assert_int_equal(recv(keeper.cli, &c, 1, 0), 1);
		rst_end(&r);
	}
	return r.stamp ? 0 : -1;
}

static int stamping_off(void **state)
{
	(void)state;
	pair_close(&keeper);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stamps_of_a_read_and_its_first_byte),
		cmocka_unit_test(first_is_taken_once_and_only_when_wanted),
		cmocka_unit_test(other_sockets_read_unchanged),
		cmocka_unit_test(idle_sockets_polled_without_the_kernel),
	};

	return cmocka_run_group_tests(tests, stamping_on, stamping_off);
}
