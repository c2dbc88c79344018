/* peer.c - see peer.h. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "peer.h"

void peer_key_of_ip(int family, const void *addr, char *buf, size_t n)
{
	char ip[INET6_ADDRSTRLEN];

	snprintf(buf, n, "-");
	if (family == AF_INET6 && IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)addr)) {
		family = AF_INET;
		addr = (const unsigned char *)addr + 12; // the IPv4 address is its last 4 bytes
	}
	if ((family == AF_INET || family == AF_INET6) &&
	    inet_ntop(family, addr, ip, sizeof ip) != NULL)
		snprintf(buf, n, "tcp:%s", ip);
}
