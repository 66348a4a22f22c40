#ifndef LLMBENCH_TEST_CHECK_H
#define LLMBENCH_TEST_CHECK_H
/* What every cmocka test file includes, plus a double-precision compare
 * (cmocka 1.1's assert_float_equal rounds to float). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <cmocka.h>

#define assert_near(a, b, eps)                                                 \
	do {                                                                   \
		double a_ = (a), b_ = (b);                                     \
		if (!(fabs(a_ - b_) <= (eps)))                                 \
			fail_msg("%s = %.17g, expected %.17g (within %g)", #a, \
				 a_, b_, (double)(eps));                       \
	} while (0)

#endif
