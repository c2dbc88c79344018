/*
 * test_web_render.c - registryd/web/web_render.c: a free render thread takes a page of the
 * least busy peer, and one peer renders on at most WEB_RENDER_PER_PEER of them, so a peer
 * (or two) with a queue of slow pages does not hold up another's page; stopping renders
 * everything queued.
 *
 * The pages here are the test's own (web_pending_render below stands in for the view's):
 * a page of the slow peer blocks until the test opens its gate.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "web.h"
#include "web_ctx.h"

struct web_pending {
	bool slow;     /* waits for the gate, or for its own release */
	bool released; /* this one may finish */
	bool rendered;
	unsigned start_no; /* 1 for the first page whose render began, ... */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static unsigned running, most_running; /* slow pages being rendered */
static unsigned rendered, starts;

void web_pending_render(struct web_pending *p)
{
	pthread_mutex_lock(&lock);
	p->start_no = ++starts;
	pthread_cond_broadcast(&changed);
	if (p->slow && ++running > most_running)
		most_running = running;
	while (p->slow && !gate_open && !p->released)
		pthread_cond_wait(&changed, &lock);
	if (p->slow)
		running--;
	pthread_mutex_unlock(&lock);
}

static void page_done(void *arg)
{
	struct web_pending *p = arg;

	pthread_mutex_lock(&lock);
	p->rendered = true;
	rendered++;
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
}

/* Waits up to ms for p to be rendered; whether it was. */
static bool wait_rendered(struct web_pending *p, int ms)
{
	struct timespec until;
	bool done;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&lock);
	while (!p->rendered && pthread_cond_timedwait(&changed, &lock, &until) == 0)
		;
	done = p->rendered;
	pthread_mutex_unlock(&lock);
	return done;
}

/* Waits up to 5 s until want pages have begun to render. */
static bool wait_starts(unsigned want)
{
	struct timespec until;
	bool done;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&lock);
	while (starts < want && pthread_cond_timedwait(&changed, &lock, &until) == 0)
		;
	done = starts >= want;
	pthread_mutex_unlock(&lock);
	return done;
}

static void open_gate(void)
{
	pthread_mutex_lock(&lock);
	gate_open = true;
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
}

static void test_a_peer_with_slow_pages_does_not_hold_up_another(void **state)
{
	struct web w = { 0 };
	struct web_pending slow[3 * WEB_RENDER_THREADS] = { 0 }, other = { 0 }, later = { 0 };
	size_t n_slow = sizeof slow / sizeof slow[0];

	(void)state;
	gate_open = false;
	running = most_running = rendered = starts = 0;
	assert_int_equal(web_render_start(&w), 0);
	for (size_t i = 0; i < n_slow; i++) {
		slow[i].slow = true;
		web_render(&w, &slow[i], "tcp:192.0.2.1", page_done, &slow[i]);
	}
	assert_true(wait_starts(WEB_RENDER_PER_PEER)); /* its share of the threads is busy */
	// Another address's page, queued behind all of them: rendered on the thread the slow
	// peer may not take, while every one of its pages still waits.
	web_render(&w, &other, "tcp:192.0.2.2", page_done, &other);
	assert_true(wait_rendered(&other, 5000));
	// And again: the spare thread is free once more.
	web_render(&w, &later, "tcp:198.51.100.9", page_done, &later);
	assert_true(wait_rendered(&later, 5000));
	pthread_mutex_lock(&lock);
	assert_int_equal(rendered, 2);
	assert_int_equal(most_running, WEB_RENDER_PER_PEER);
	pthread_mutex_unlock(&lock);

	open_gate();
	for (size_t i = 0; i < n_slow; i++)
		assert_true(wait_rendered(&slow[i], 5000));
	web_stop(&w);
	assert_int_equal(rendered, n_slow + 2);
}

static void sleep_ms(long ms)
{
	nanosleep(&(struct timespec){ .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000 }, NULL);
}

static void *stop_view(void *w)
{
	web_stop(w);
	return NULL;
}

/* Two peers with slow pages share the threads; a third's page is the next to begin when
 * one of theirs ends, before either one's queue. */
static void test_the_next_free_thread_goes_to_the_least_busy_peer(void **state)
{
	struct web w = { 0 };
	struct web_pending a[12] = { 0 }, b[12] = { 0 }, other = { 0 };

	(void)state;
	gate_open = false;
	running = most_running = rendered = starts = 0;
	assert_int_equal(web_render_start(&w), 0);
	for (size_t i = 0; i < 12; i++) {
		a[i].slow = b[i].slow = true;
		web_render(&w, &a[i], "tcp:192.0.2.1", page_done, &a[i]);
		web_render(&w, &b[i], "tcp:192.0.2.2", page_done, &b[i]);
	}
	assert_true(wait_starts(WEB_RENDER_THREADS));
	// Each has two threads: the fewest-busy rule splits them.
	assert_int_equal(a[0].start_no != 0, 1);
	assert_int_equal(a[1].start_no != 0, 1);
	assert_int_equal(b[0].start_no != 0, 1);
	assert_int_equal(b[1].start_no != 0, 1);
	web_render(&w, &other, "tcp:198.51.100.9", page_done, &other);
	pthread_mutex_lock(&lock);
	b[0].released = true; /* one page ends: its thread takes the third peer's page */
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
	assert_true(wait_rendered(&other, 5000));
	assert_int_equal(other.start_no, WEB_RENDER_THREADS + 1);

	open_gate();
	web_stop(&w);
	assert_int_equal(rendered, 2 * 12 + 1);
}

static void test_stopping_renders_what_is_queued(void **state)
{
	struct web w = { 0 };
	struct web_pending pages[4 * WEB_RENDER_THREADS] = { 0 };
	size_t n = sizeof pages / sizeof pages[0];
	pthread_t stopper;

	(void)state;
	gate_open = false;
	running = most_running = rendered = starts = 0;
	assert_int_equal(web_render_start(&w), 0);
	for (size_t i = 0; i < n; i++) {
		pages[i].slow = true;
		web_render(&w, &pages[i], i % 2 == 0 ? "tcp:192.0.2.1" : "uid:1000", page_done,
		           &pages[i]);
	}
	// Stop while every thread waits at the gate and most pages are queued behind them.
	assert_int_equal(pthread_create(&stopper, NULL, stop_view, &w), 0);
	sleep_ms(50);
	open_gate();
	pthread_join(stopper, NULL); /* web_stop joined the threads */
	for (size_t i = 0; i < n; i++)
		assert_true(pages[i].rendered);
	assert_int_equal(rendered, n);
	// Once stopped, a page is rendered on the caller's thread.
	struct web_pending after = { 0 };
	web_render(&w, &after, "tcp:192.0.2.1", page_done, &after);
	assert_true(after.rendered);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_peer_with_slow_pages_does_not_hold_up_another),
		cmocka_unit_test(test_the_next_free_thread_goes_to_the_least_busy_peer),
		cmocka_unit_test(test_stopping_renders_what_is_queued),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
