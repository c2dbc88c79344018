#!/usr/bin/env bash
# The man pages cannot drift from --help: every command, noun, verb and flag that
# regctl --help, regctl NOUN --help, regctl COMMAND --help, registryd --help and
# registryd token --help print must appear in the man page source (docs/*.scd).
# With scdoc installed, the built pages must also render with man -l.
set -euo pipefail
: "${REGCTL:?}" "${REGISTRYD:?}" "${DOCS:?}"

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# flags_of TEXT: every --flag and -x of a help text.
flags_of() { { grep -oE '(^|[^a-z0-9-])--?[a-z][a-z0-9-]*' <<<"$1" || true; } | sed -E 's/^[^-]+//' | sort -u; }

# in_page PAGE WORD: WORD appears in the page as a word (not as part of a longer one).
in_page() { grep -qE -- "(^|[^a-zA-Z0-9-])$(sed 's/[.]/\\./g' <<<"$2")([^a-zA-Z0-9-]|$)" "$1"; }

check_flags() { # PAGE WHAT HELP
	local f
	for f in $(flags_of "$3"); do
		in_page "$1" "$f" || fail "$(basename "$1"): flag '$f' of '$2' is not documented"
	done
}

regctl_page=$DOCS/regctl.1.scd
registryd_page=$DOCS/registryd.8.scd
help=$("$REGCTL" --help)
check_flags "$regctl_page" "regctl" "$help"

commands=$(sed -n '/^commands/,/^$/p' <<<"$help" | sed -nE 's/^  ([a-z][a-z-]*) .*/\1/p')
[ -n "$commands" ] || fail "no commands found in regctl --help"
for c in $commands; do
	grep -qE "^\*$c\*" "$regctl_page" || fail "regctl.1: command '$c' has no entry"
	# The usage line and the flags, not the notes (which may quote other programs).
	chelp=$("$REGCTL" "$c" --help)
	check_flags "$regctl_page" "regctl $c" "$(grep '^usage:' <<<"$chelp"; sed -n '/^flags:/,/^$/p' <<<"$chelp")"
done

nouns=$(sed -nE 's/^nouns: //p' <<<"$help" | tr -d ',')
[ -n "$nouns" ] || fail "no nouns found in regctl --help"
for n in $nouns; do
	grep -qE "^## $n\$" "$regctl_page" || fail "regctl.1: noun '$n' has no section"
	nhelp=$("$REGCTL" "$n" --help)
	check_flags "$regctl_page" "regctl $n" "$nhelp"
	for v in $(sed -nE 's/^(usage:)? +regctl [a-z]+ ([a-z]+).*/\2/p' <<<"$nhelp"); do
		grep -qE "^\*$v\*" "$regctl_page" || fail "regctl.1: verb '$v' has no entry"
	done
done

check_flags "$registryd_page" "registryd" "$("$REGISTRYD" --help)"
thelp=$("$REGISTRYD" token --help 2>&1 || true)
check_flags "$registryd_page" "registryd token" "$thelp"
for s in $(sed -nE 's/^(usage:)? +registryd token ([a-z]+).*/\2/p' <<<"$thelp"); do
	in_page "$registryd_page" "token $s" || fail "registryd.8: 'token $s' is not documented"
done

# Every key of the example configuration is a documented key of stdreg(5), and vice versa
# every registryd flag with a value has a key in the example.
conf=$DOCS/../data/registryd.conf
for k in $(sed -nE 's/^#?([a-z][a-z0-9-]*) = .*/\1/p' "$conf" | sort -u); do
	grep -qE "^\*$k\* = " "$DOCS/stdreg.5.scd" || fail "stdreg.5: key '$k' is not documented"
done
for f in $(flags_of "$("$REGISTRYD" --help)"); do
	case $f in --help | --version | --config | --check-config) continue ;; esac
	grep -qE "^#?${f#--} = " "$conf" || fail "data/registryd.conf: no key for '$f'"
done

if [ -n "${MANDIR_BUILT:-}" ] && command -v man >/dev/null; then
	tmp_err=$(mktemp)
	trap 'rm -f "$tmp_err"' EXIT
	for p in regctl.1 registryd.8 stdreg.5; do
		out=$(MANWIDTH=80 man -l "$MANDIR_BUILT/$p" 2>"$tmp_err" </dev/null) || fail "man -l $p failed"
		grep -q "^NAME" <<<"$out" || fail "man -l $p does not render a NAME section"
		[ ! -s "$tmp_err" ] || fail "man -l $p warns: $(head -n 1 "$tmp_err")"
	done
fi

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "ok: man pages document every command and flag of --help"
