/*
 * peer.h - the key a peer is counted under, the same for every face: connections per
 * address (conns.h), anonymous callers' parked watches (watch.h), HTTP bodies and feeds.
 */
#ifndef REGISTRYD_PEER_H
#define REGISTRYD_PEER_H

#include <stddef.h>

/* A peer's key is cut to this many bytes less one; an IPv6 address fits with its "tcp:"
 * prefix. */
#define PEER_KEY_MAX 64

/*
 * "tcp:192.0.2.7" for an IPv4 address (family AF_INET, addr a struct in_addr) and for an
 * IPv6 one that maps it (::ffff:192.0.2.7, as a dual-stack listener sees IPv4 peers), so
 * that one peer has one key whichever listener it reaches; "tcp:2001:db8::7" for other
 * IPv6 addresses (AF_INET6, addr a struct in6_addr). "-" for anything else.
 */
void peer_key_of_ip(int family, const void *addr, char *buf, size_t n);

#endif
