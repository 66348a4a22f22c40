#ifndef LLMRUN_ENGINE_INT_H
#define LLMRUN_ENGINE_INT_H
/*
 * The engine's insides, shared by its files and by nothing else:
 * engine.c (the loop and the scheduling of sends), request.c (a request's
 * life from send to row), kstamp.c (kernel receive stamps),
 * preconnect.c (connections opened before a step) and engine_sess.c
 * (conversations: the scheduling of their turns). See engine.h for the
 * contract; ownership is as there: struct eng owns every struct req.
 */
#include <stdint.h>
#include <sys/epoll.h>

#include <curl/curl.h>

#include "api.h"
#include "buf.h"
#include "clk.h"
#include "engine.h"
#include "recvstamp.h"
#include "rng.h"
#include "sse.h"

/* A non-streamed body, or an error body, may not grow past this. */
#define BODY_MAX (64u << 20)
/* jsmn tokens for one event may not grow past this. */
#define TOK_MAX API_TOK_MAX
/* libcurl's receive buffer per transfer: small keeps memory per stream
 * low; a read never holds more than this anyway. */
#define RECV_BUF 4096
/* A retry waits at most this long, whatever the backoff or Retry-After. */
#define RETRY_MAX_NS (60 * CLK_NS_PER_S)
/* At most this many waiting bytes are peeked at for the kernel's receive
 * stamp (a second of a fast stream after a stall); bytes past them are
 * stamped when read. */
#define PEEK_MAX 65536
/* Sockets handled per wake-up (epoll_wait's maxevents). */
#define WAKE_MAX 256
/* Event ends in one peek given a stamp of their own (see kst_peek). */
#define PEEK_ENDS 8
#define PEEK_LOST ((size_t)-1)
/* Request bodies kept per corpus row, at most this many bytes in all. */
#define BODY_CACHE_MAX (64u << 20)

struct eng;

struct req {
	CURL *h;
	char errbuf[CURL_ERROR_SIZE]; /* libcurl's detail of a failure */
	struct eng *g;
	struct req *next_free;
	int active;
	const struct corpus_row *row;
	long seq;
	int warmup;
	int64_t t_sched;   /* when it was due (see sched_times) */
	int64_t t_handed;  /* when the attempt was handed to libcurl */
	int64_t t_sent;    /* when libcurl wrote it to a ready connection
			      (on_prereq); 0 until then */
	int64_t t_conn;    /* when a new connection was opened for it, 0 none */
	int64_t connect_ns; /* from t_conn to t_sent; -1 when reused or unsent */
	int64_t t_last_ev; /* stamp of its last event: stamps never go back */
	int conn_retried;  /* this attempt was sent again on a new connection */
	long max_tokens;   /* asked for, -1 not sent */
	int64_t now;       /* stamp of the write callback being handled */
	int64_t t_ev;      /* the stamp its events take, without kpeek */
	int fast;          /* its last two events came closer than 2 pauses */
	const struct peek *kpeek; /* its bytes were peeked at in here, */
	size_t kbase;             /* from this offset; NULL when not */
	int64_t t_data;    /* stamp of the last bytes received */
	int64_t t_done;    /* stamp of the bytes that carried the end marker */
	long http;
	long bytes;
	char *body;        /* the request body (JSON): its row's in the body
			      cache, or its own when body_own */
	int body_own;
	struct sse sse;
	struct buf raw;    /* body of a non-streamed or failed response */
	struct resp r;
	char bad[160];     /* why the stream is malformed, "" when it is not */
	char hdr_id[96];   /* X-Request-Id, the id when the body has none */
	curl_socket_t sock; /* the socket libcurl watches for it, if known */
	long gen;           /* the peek cursor is for */
	size_t cursor;      /* how far into the peeked bytes q has read;
			       PEEK_LOST once a piece was not found there */
	int attempt;        /* 1, then 2... for --retries */
	double retry_after_s; /* the server's Retry-After, -1 none */
	int64_t retry_at;   /* when the waiting retry is due */
	struct req *next_retry;
	struct curl_slist *grp[2]; /* its connection group (pre_group) */
	struct sess_conv *conv; /* the conversation whose turn it is, NULL none */
};

struct peek {
	long id;       /* counts peeks, so a request's cursor knows its own */
	int fd;        /* the socket being handled; -1 once it was */
	int64_t stamp; /* monotonic; 0 when the kernel gave none */
	size_t len;
	size_t nend;               /* event ends stamped apart, in order */
	size_t end[PEEK_ENDS];     /* offset of an event's last byte */
	int64_t end_stamp[PEEK_ENDS];
	char buf[PEEK_MAX];
};

struct eng {
	struct eng_ctx cx;
	CURLM *m;
	int ep, tcurl, tsend;
	/* The loop's pause (eng_pause_watch): an epoll set of what must wake
	 * the loop at once, how long the pause lasts (0: none), and each
	 * socket's state in the set (PW_OUT, PW_NOW; indexed by socket). */
	int ep_pause;
	int64_t pause_ns;
	unsigned char *pw;
	size_t npw;
	/* What each socket is registered for in ep (EW_IN, EW_OUT, and
	 * EW_PARKED while idle in libcurl's pool; EW_CONN for a connection's
	 * socket llmrun made; indexed by socket): see on_socket. */
	unsigned char *ew;
	size_t new_n;
	int timeout_now; /* libcurl asked for its timeout handling at once */
	/* The time libcurl named last for its timeouts (0: none), and what
	 * tcurl is armed for (0: not armed): see on_timer. */
	int64_t curl_due, tcurl_at;
	/* --spin-us: the loop polls without sleeping from spin_ns before
	 * the next timed send (due_ns, 0 none); tsend_at is when the send
	 * timer is armed for (0: not armed). */
	int64_t spin_ns, due_ns, tsend_at;
	int kstamp;      /* stamp chunks with the kernel's receive time */
	int rstamp;      /* ... taken in libcurl's reads (rs), not by a peek */
	struct rst rs;
	/* The bytes waiting on the socket being handled, peeked at with the
	 * kernel's receive stamp right before libcurl reads them. */
	struct peek *pk;
	long npeeks;
	/* The request each socket serves (sockets index it), for the order
	 * of a wake-up: see may_end. NULL where none is known. */
	struct req **byfd;
	size_t nbyfd;
	struct clk_wall wall; /* for the kernel's stamps (lib/clk) */
	struct curl_slist *hdrs;
	char *url;
	/* url parsed once, for the requests (CURLOPT_CURLU: libcurl 7.88
	 * otherwise parses the URL and prints it back whole at every request's
	 * start, about a fifth of its instructions there) and the preconnect
	 * (host, port, /health). NULL if it does not parse: libcurl then
	 * parses CURLOPT_URL and says what is wrong, as before. */
	CURLU *uh;
	struct req **all; /* every request slot, for cancelling and freeing */
	size_t nall;
	struct req *free_list;
	long inflight;
	jsmntok_t *tok;
	size_t ntok;
	long errors; /* failed requests in the run */
	long *in_count; /* with -t: each corpus row's prompt tokens, -1 unknown */
	/* Each corpus row's request body, built once (the same options and
	 * row give the same body), NULL until used; and its max_tokens. */
	char **bodies;
	long *body_max;
	size_t body_bytes;
	int tretry;             /* timerfd: the next retry is due */
	struct req *retries;    /* failed requests waiting to retry, by time */
	struct rng retry_rng;   /* backoff jitter, from --seed */
	long samples_shown;

	/* the step */
	const struct eng_step *s;
	/* Closed loop: when each free slot's last request ended, oldest
	 * first; the next request of the slot was due then (client lag). */
	int64_t *freed;
	size_t freed_cap, freed_head, nfreed;
	/* When the bytes libcurl is handling now arrived (a kernel stamp or
	 * the time before it read them), 0 outside a socket's handling: a
	 * request that ends there frees its slot then. */
	int64_t t_arrival;
	long maxconn; /* CURLMOPT_MAXCONNECTS set, 0 libcurl's default */
	/* Connection groups (pre_group): the target's port and addresses as
	 * CURLOPT_RESOLVE writes them; grp_port 0 when groups are off. */
	long grp_port;
	char *grp_addrs;
	struct prog *pg;
	int64_t t_start;
	long issued;
	size_t next_time;
	size_t cursor;
	int sending;
	int io_failed;
	struct err werr;
	struct sess_conv *conv_next; /* the turn req_issue is making, NULL none */
	long conv_started;           /* conversations started in the step */
};

/* --- kstamp.c: kernel receive stamps ------------------------------------- */

/* The kernel's stamp for bytes p[0..n) that libcurl hands to q, or 0. */
int64_t kst_arrival(struct req *q, const char *p, size_t n, int64_t now);
/* The stamp of libcurl's reads of q's socket (recvstamp.h) for the bytes
 * it hands to q now, 0 when there is none: all of them with --stamp recv
 * (rstamp), else those the peek did not see. */
int64_t kst_recv(const struct req *q, int64_t now);
/* The stamp of an event that ended at offset end of the bytes handed to
 * q by the write callback being handled (q->kpeek set). */
int64_t kst_event(struct req *q, size_t end);
/* Peeks at the bytes waiting on fd, which libcurl is about to be told to
 * read, into g->pk: their receive stamp (monotonic), 0 when none. */
int64_t kst_peek(struct eng *g, int fd);
/* The socket peeked at has been handled: its peek applies no more. */
void kst_done(struct eng *g);

/* --- request.c: a request's life ----------------------------------------- */

/* Sets the options every handle shares (q NULL for a preconnect). */
void req_setup(struct eng *g, CURL *h, struct req *q);
/* A request slot, reused or new; NULL when out of memory. */
struct req *req_new(struct eng *g);
/* Writes q's row and frees its slot, or queues its retry. */
void req_finish(struct eng *g, struct req *q, int curl_code, int cancelled);
/* Forgets q's last attempt: the next is due at t_sched and handed to
 * libcurl at t_handed (0: never). */
void req_attempt(struct eng *g, struct req *q, int64_t t_sched, int64_t t_handed);
/* Hands q's next attempt, due at t_sched, to libcurl. */
void req_send(struct eng *g, struct req *q, int64_t t_sched);
/* Starts the next request of the step, due at t_sched: 0, or -1 when out
 * of memory. */
int req_issue(struct eng *g, int64_t t_sched, const struct corpus_row *row);
/* Builds row's request body into the body cache, if it is not there and
 * the cache has room, so no request waits for it. */
void req_body_warm(struct eng *g, const struct corpus_row *row);

/* --- engine.c ------------------------------------------------------------ */

/* Arms a timerfd at ns (absolute monotonic, or relative); 0 disarms. */
void eng_arm(int fd, int64_t ns, int absolute);
/* The next timed send (open loop, a turn after its think time) is due
 * at due (absolute monotonic; 0: none, or the next end sends it). */
void eng_send_at(struct eng *g, int64_t due);
/* Queues q's next attempt after its backoff. */
void eng_retry_later(struct eng *g, struct req *q, int64_t now);
/* A closed-loop slot is free from t. */
void eng_free_slot(struct eng *g, int64_t t);
/* Puts q's socket in the pause set or takes it out, as q now needs. */
void eng_pause_watch(struct eng *g, struct req *q);
/* Socket s serves q (NULL: none now). */
void eng_sock_req(struct eng *g, curl_socket_t s, struct req *q);
/* libcurl's timeout handling: its timer went off (fired), or it asked
 * for it at once. */
void eng_curl_timeout(struct eng *g, int fired);
/* Socket s was just made for a connection of libcurl's, or is about to
 * be closed: registered in no epoll set, whatever it was before. */
void eng_sock_new(struct eng *g, curl_socket_t s);
void eng_sock_gone(struct eng *g, curl_socket_t s);
/* An event on a socket parked in libcurl's pool: takes it out of the
 * sets and returns 1; 0 when fd is not parked (libcurl handles it). */
int eng_unpark(struct eng *g, int fd);

/* What epoll reported, as libcurl's flags. */
static inline int eng_curl_flags(uint32_t events)
{
	return (events & EPOLLIN ? CURL_CSELECT_IN : 0) |
	       (events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
	       (events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
}

/* --- engine_sess.c: conversations --------------------------------------- */

/* Sessions' top_up: sends the turns whose think time is over, starts new
 * conversations (window: up to the batch size; rate: at their send
 * times), arms the send timer for what comes next. */
void esess_top_up(struct eng *g);
/* The body of q's turn: its conversation's history, then its prompt. */
char *esess_body(struct eng *g, struct req *q);
/* Fills x's conversation columns for q (any request of a conversation
 * corpus). */
void esess_row(struct eng *g, const struct req *q, struct rec_row *x);
/* q's turn ended for good (after any retries), ok or not, its reply over
 * at t_end: the next turn waits its think time, or the conversation ends
 * (a failed turn ends it). */
void esess_done(struct eng *g, struct req *q, int ok, int64_t t_end);

/* --- preconnect.c -------------------------------------------------------- */

/* Decides whether connections are kept in groups (pre_group) and finds
 * the target's addresses for them; groups stay off when that fails. */
void pre_groups_init(struct eng *g);
/* Puts h's connections in group id: one request slot's own, so libcurl
 * finds it without scanning every connection in its pool. lists gets
 * what h then borrows (free each with curl_slist_free_all after h's last
 * transfer); NULL, and nothing set, when groups are off. 0, or -1 when
 * out of memory. */
int pre_group(struct eng *g, CURL *h, long id, struct curl_slist *lists[2]);
/* How many connections to open before step s (0: none). */
long pre_count(const struct eng *g, const struct eng_step *s);
/* Opens n connections: 0 when at least one worked (failures reported on
 * warn), ERR_UNAVAILABLE when none did, ERR_SOFTWARE. */
int pre_connect(struct eng *g, long n, FILE *warn, struct err *e);

#endif
