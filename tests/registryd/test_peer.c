/*
 * test_peer.c - peer_key_of_ip(): one key per peer, whichever listener it reaches.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "peer.h"

static void key_of(const char *text, char *buf, size_t n)
{
	struct in_addr v4;
	struct in6_addr v6;

	if (inet_pton(AF_INET, text, &v4) == 1)
		peer_key_of_ip(AF_INET, &v4, buf, n);
	else if (inet_pton(AF_INET6, text, &v6) == 1)
		peer_key_of_ip(AF_INET6, &v6, buf, n);
	else
		fail_msg("not an address: %s", text);
}

static void test_ipv4_and_ipv6(void **state)
{
	char key[PEER_KEY_MAX];

	(void)state;
	key_of("192.0.2.7", key, sizeof key);
	assert_string_equal(key, "tcp:192.0.2.7");
	key_of("2001:db8::7", key, sizeof key);
	assert_string_equal(key, "tcp:2001:db8::7");
	key_of("::1", key, sizeof key);
	assert_string_equal(key, "tcp:::1");
	// The longest text form fits.
	key_of("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", key, sizeof key);
	assert_string_equal(key, "tcp:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

/* A dual-stack listener sees an IPv4 peer as ::ffff:a.b.c.d: the same peer, the same key. */
static void test_mapped_ipv4_is_the_ipv4_peer(void **state)
{
	char a[PEER_KEY_MAX], b[PEER_KEY_MAX];

	(void)state;
	key_of("::ffff:192.0.2.7", a, sizeof a);
	key_of("192.0.2.7", b, sizeof b);
	assert_string_equal(a, b);
	// Only the mapped form: an IPv4-compatible or NAT64 address is another peer.
	key_of("64:ff9b::192.0.2.7", a, sizeof a);
	assert_string_equal(a, "tcp:64:ff9b::c000:207");
}

static void test_unknown_family_and_short_buffer(void **state)
{
	char key[PEER_KEY_MAX], small[8];
	struct in_addr v4 = { 0 };

	(void)state;
	peer_key_of_ip(AF_UNIX, &v4, key, sizeof key);
	assert_string_equal(key, "-");
	key_of("192.0.2.7", small, sizeof small);
	assert_string_equal(small, "tcp:192");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_and_ipv6),
		cmocka_unit_test(test_mapped_ipv4_is_the_ipv4_peer),
		cmocka_unit_test(test_unknown_family_and_short_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
