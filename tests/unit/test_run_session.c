#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../run/session.h"

static const struct sess_think no_think = {0, 0};

/* Loads corpus text s into c (the caller frees it). */
static void load(const char *s, struct corpus *c)
{
	char path[] = "/tmp/test_run_session.XXXXXX";
	int fd = mkstemp(path);
	struct err e;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
	assert_int_equal(corpus_load(path, 0, 1, c, &e), 0);
	unlink(path);
}

/* A corpus s is refused with ERR_DATA and a message holding msg. */
static void refused(const char *s, const char *msg)
{
	struct corpus c;
	struct sess *ss = NULL;
	struct err e;

	load(s, &c);
	assert_int_equal(sess_new(&c, 0, 1, &no_think, 1, &ss, &e), ERR_DATA);
	assert_null(ss);
	if (!strstr(e.msg, msg))
		fail_msg("'%s' does not hold '%s'", e.msg, msg);
	corpus_free(&c);
}

static void validation(void **state)
{
	(void)state;
	refused("conversation_id,turn,prompt\n1,1,a\n1,3,b\n", ":3: conversation 1: turn 3 after turn 1");
	refused("conversation_id,turn,prompt\n1,1,a\n2,1,b\n1,2,c\n", ":4: conversation 1: turn 2 does not follow");
	refused("conversation_id,turn,prompt\n1,2,a\n", ":2: conversation 1: turn 2 does not follow");
	refused("conversation_id,turn,prompt\n1,1,a\n1,2,\n", ":3: conversation 1, turn 2: empty prompt");
	refused("conversation_id,turn,prompt\n1,1,a\n2,1,b\n3,1,c\n2,1,d\n1,1,e\n",
		":5: conversation 2 again (it began on line 3");
	refused("conversation_id,turn,prompt\n,1,a\n", ":2: empty conversation_id");
	refused("conversation_id,turn,prompt\n1,,a\n", ":2: conversation 1: no turn number");
	refused("conversation_id,prompt\n1,a\n", ":2: conversation 1: no turn number");
	refused("conversation_id,turn,prompt\n1,0,a\n", ":2: conversation 1: turn 0 (turns count from 1)");
}

/* Turns go in order with the history of the replies, think times add to
 * the reply's end, conversations are sharded whole and freed at the end. */
static void turns(void **state)
{
	struct corpus c;
	struct sess *ss;
	struct sess_conv *v, *w;
	const struct api_msg *h;
	struct sess_think think = {0.5, 0.5};
	struct err e;
	int64_t due;
	size_t n;

	(void)state;
	load("conversation_id,turn,think_s,prompt\n"
	     "x,1,,q1\nx,2,,q2\nx,3,2,q3\ny,1,,r1\nz,1,,s1\nz,2,,s2\n", &c);
	assert_int_equal(sess_new(&c, 0, 1, &think, 1, &ss, &e), 0);
	assert_int_equal(sess_conversations(ss), 3);
	assert_int_equal(sess_turns(ss), 6);
	v = sess_start(ss);
	assert_string_equal(sess_row(ss, v)->prompt, "q1");
	h = sess_history(v, &n);
	assert_int_equal(n, 0);
	assert_int_equal(sess_next(ss, v, "A1", 2, 1000, &e), 1);
	assert_null(sess_due(ss, 1000 + 500000000 - 1, &due));
	assert_int_equal(sess_next_due(ss), 1000 + 500000000);
	assert_ptr_equal(sess_due(ss, 1000 + 500000000, &due), v);
	assert_int_equal(due, 1000 + 500000000);
	assert_string_equal(sess_row(ss, v)->prompt, "q2");
	assert_int_equal(sess_next(ss, v, "A2", 2, 5000, &e), 1);
	assert_int_equal(sess_next_due(ss), 5000 + 2000000000LL); /* the row's think_s */
	assert_ptr_equal(sess_due(ss, 5000 + 2000000000LL, &due), v);
	h = sess_history(v, &n);
	assert_int_equal(n, 4);
	assert_string_equal(h[0].role, "user");
	assert_string_equal(h[0].text, "q1");
	assert_string_equal(h[1].role, "assistant");
	assert_string_equal(h[1].text, "A1");
	assert_string_equal(h[3].text, "A2");
	assert_int_equal(sess_row(ss, v)->turn, 3);
	/* The last turn: nothing follows. */
	assert_int_equal(sess_next(ss, v, "A3", 2, 9000, &e), 0);
	w = sess_start(ss);
	assert_string_equal(sess_row(ss, w)->prompt, "r1");
	assert_int_equal(sess_live(ss), 2);
	sess_end(ss, v);
	assert_int_equal(sess_live(ss), 1);
	/* Slots free in order; none free gives the default. */
	sess_slot_free(ss, 7);
	sess_slot_free(ss, 9);
	assert_int_equal(sess_slot_due(ss, 1), 7);
	assert_int_equal(sess_slot_due(ss, 1), 9);
	assert_int_equal(sess_slot_due(ss, 1), 1);
	/* A queued conversation ended by the step's end leaves the queue. */
	v = sess_start(ss);
	assert_string_equal(sess_row(ss, v)->prompt, "s1");
	assert_int_equal(sess_next(ss, v, "", 0, 0, &e), 1);
	sess_end_all(ss);
	assert_int_equal(sess_live(ss), 0);
	assert_int_equal(sess_next_due(ss), 0);
	/* The cursor wraps around. */
	v = sess_start(ss);
	assert_string_equal(sess_row(ss, v)->prompt, "q1");
	sess_free(ss);

	/* Shard 1 of 2: conversation y (the second) only, whole. */
	assert_int_equal(sess_new(&c, 1, 2, &think, 1, &ss, &e), 0);
	assert_int_equal(sess_conversations(ss), 1);
	assert_int_equal(sess_turns(ss), 1);
	v = sess_start(ss);
	assert_string_equal(sess_row(ss, v)->prompt, "r1");
	sess_free(ss);
	corpus_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(validation),
		cmocka_unit_test(turns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
