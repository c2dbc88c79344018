/*
 * stdreg-gen - writes a synthetic registry as JSON Lines that `regctl apply` reads:
 * areas, bodies (with committees), agencies with valid organisation numbers, work items
 * with ISO stage codes and appointments, deterministic from a seed. For tests and
 * benchmarks: the same arguments always give the same file.
 *
 *   stdreg-gen [--areas N] [--bodies N] [--agencies N] [--items N] [--seed S]
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* xorshift64*: small, fast, and the same sequence on every machine. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static unsigned pick(unsigned n)
{
	return (unsigned)(rng() % n);
}

/* A Swedish organisation number 2NNNNN-NNNC whose last digit is the Luhn check digit. */
static void org_number(unsigned serial, char out[12])
{
	char d[11];
	int sum = 0;

	snprintf(d, sizeof(d), "21%02u%05u", 20 + serial / 100000 % 80, serial % 100000);
	for (int i = 0; i < 9; i++) {
		int v = d[i] - '0';
		if (i % 2 == 0 && (v *= 2) > 9)
			v -= 9;
		sum += v;
	}
	d[9] = (char)('0' + (10 - sum % 10) % 10);
	d[10] = '\0';
	snprintf(out, 12, "%.6s-%.4s", d, d + 6);
}

static const char *const stages[] = {
	"00.00", "10.99", "20.20", "20.60", "30.20", "30.99", "40.20",
	"40.60", "50.20", "60.00", "60.60", "90.93", "95.99", "40.98"
};

static void usage(FILE *f)
{
	fprintf(f, "usage: stdreg-gen [--areas N] [--bodies N] [--agencies N] [--items N] "
	           "[--seed S]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "areas", required_argument, NULL, 'a' },
		{ "bodies", required_argument, NULL, 'b' },
		{ "agencies", required_argument, NULL, 'g' },
		{ "items", required_argument, NULL, 'i' },
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long areas = 40, bodies = 20, agencies = 30, items = 1000, seed = 1;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end;
		unsigned long v = c == 'h' ? 0 : strtoul(optarg, &end, 10);
		if (c != 'h' && (*end != '\0' || v == 0)) {
			fprintf(stderr, "stdreg-gen: '%s' is not a positive number\n", optarg);
			return 2;
		}
		switch (c) {
		case 'a':
			areas = v;
			break;
		case 'b':
			bodies = v;
			break;
		case 'g':
			agencies = v;
			break;
		case 'i':
			items = v;
			break;
		case 's':
			seed = v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;

	for (unsigned long i = 0; i < areas; i++)
		printf("{\"kind\":\"area\",\"id\":\"area-%05lu\",\"name\":\"Technology area %lu\","
		       "\"priority\":\"%s\",\"rank\":%lu}\n",
		       i, i, i % 3 == 2 ? "monitored" : "prioritised", i + 1);
	for (unsigned long i = 0; i < bodies; i++)
		printf("{\"kind\":\"body\",\"id\":\"body-%04lu\",\"acronym\":\"B%lu\","
		       "\"name\":\"Standards body %lu\",\"level\":\"%s\"}\n",
		       i, i, i,
		       (const char *[]){ "international", "european", "national",
		                         "consortium" }[i % 4]);
	for (unsigned long i = 0; i < agencies; i++) {
		char org[12];
		org_number((unsigned)i, org);
		printf("{\"kind\":\"agency\",\"id\":\"agency-%04lu\",\"name\":\"Agency %lu\","
		       "\"org_number\":\"%s\"}\n",
		       i, i, org);
	}
	for (unsigned long i = 0; i < items; i++) {
		unsigned long a1 = pick((unsigned)areas), a2 = pick((unsigned)areas);
		printf("{\"kind\":\"item\",\"id\":\"item-%07lu\",\"reference\":\"ISO/IEC %lu\","
		       "\"title\":\"Synthetic work item %lu on interoperable digital services\","
		       "\"body_id\":\"body-%04u\",\"area_ids\":[\"area-%05lu\"",
		       i, 10000 + i, i, pick((unsigned)bodies), a1);
		if (a2 != a1)
			printf(",\"area-%05lu\"", a2);
		printf("],\"deliverable_type\":\"IS\",\"stage\":\"%s\",\"target_date\":\"20%02u-%"
		       "02u-28\"}\n",
		       stages[pick(sizeof(stages) / sizeof(stages[0]))], 24 + pick(5),
		       1 + pick(12));
	}
	/* Every other prioritised area gets a lead; some get a supporting agency too. */
	for (unsigned long i = 0; i < areas; i++) {
		if (i % 3 == 2 || i % 2 == 1)
			continue;
		unsigned lead = pick((unsigned)agencies);
		printf("{\"kind\":\"assignment\",\"area_id\":\"area-%05lu\",\"agency_id\":\"agency-"
		       "%04u\","
		       "\"role\":\"lead\",\"decision_ref\":\"GEN-%lu\",\"valid_from\":\"2025-01-"
		       "01\"}\n",
		       i, lead, i);
		unsigned sup = pick((unsigned)agencies);
		if (sup != lead)
			printf("{\"kind\":\"assignment\",\"area_id\":\"area-%05lu\","
			       "\"agency_id\":\"agency-%04u\",\"role\":\"supporting\","
			       "\"decision_ref\":\"GEN-%lu\",\"valid_from\":\"2025-01-01\"}\n",
			       i, sup, i);
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
