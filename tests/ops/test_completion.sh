#!/usr/bin/env bash
# The bash completion knows every noun, verb, command and flag that regctl's help prints:
# completes "regctl ", "regctl NOUN ", "regctl NOUN VERB --" and "regctl COMMAND --" in a
# bash with the completion loaded and compares with regctl --help and each NOUN/COMMAND --help.
set -euo pipefail
: "${REGCTL:?}" "${COMPLETION:?}"

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

unset STDREG_ENDPOINT # no lookups of ids here
# shellcheck source=/dev/null
source "$COMPLETION"

# complete WORD...: the candidates for the last word of "regctl WORD...".
complete_line() {
	COMP_WORDS=(regctl "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_regctl regctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}"
}

flags_of() { { grep -oE '(^|[^a-z0-9-])--?[a-z][a-z0-9-]*' <<<"$1" || true; } | sed -E 's/^[^-]+//' | sort -u; }

expect_all() { # WHAT HAVE WANT...
	local what=$1 have=$2 w
	shift 2
	for w in "$@"; do
		grep -qxF -- "$w" <<<"$have" || fail "'$what' does not complete '$w'"
	done
}

help=$("$REGCTL" --help)
commands=$(sed -n '/^commands/,/^$/p' <<<"$help" | sed -nE 's/^  ([a-z][a-z-]*) .*/\1/p')
nouns=$(sed -nE 's/^nouns: //p' <<<"$help" | tr -d ',')
[ -n "$commands" ] && [ -n "$nouns" ] || fail "cannot read commands and nouns from regctl --help"

# shellcheck disable=SC2086
expect_all "regctl " "$(complete_line "")" $commands $nouns
# shellcheck disable=SC2086
expect_all "regctl -" "$(complete_line "-")" $(flags_of "$(sed -n '/^options:/,/^$/p' <<<"$help")")

for c in $commands; do
	# shellcheck disable=SC2046
	expect_all "regctl $c -" "$(complete_line "$c" "-")" $(flags_of "$(sed -n '/^flags:/,/^$/p' <<<"$("$REGCTL" "$c" --help)")")
done

for n in $nouns; do
	nhelp=$("$REGCTL" "$n" --help)
	verbs=$(sed -nE 's/^(usage:)? +regctl [a-z]+ ([a-z]+).*/\2/p' <<<"$nhelp")
	# shellcheck disable=SC2086
	expect_all "regctl $n " "$(complete_line "$n" "")" $verbs
	for v in $verbs; do
		# The flags the usage line of the verb names, and for put and list the flag tables.
		want=$(flags_of "$(grep -E "regctl $n $v( |\$)" <<<"$nhelp")")
		case $v in
		put) want+=" $(flags_of "$(sed -n '/^put flags/,/^$/p' <<<"$nhelp")")" ;;
		list) want+=" $(flags_of "$(sed -n '/^list filters/,/^$/p' <<<"$nhelp")")" ;;
		esac
		# shellcheck disable=SC2086
		expect_all "regctl $n $v -" "$(complete_line "$n" "$v" "-")" $want
	done
done

# Values of enum flags and the output format.
expect_all "regctl -o " "$(complete_line -o "")" table json jsonl csv
expect_all "regctl area put ai --priority " "$(complete_line area put ai --priority "")" prioritised monitored retired
expect_all "regctl assign ai digg --role " "$(complete_line assign ai digg --role "")" lead supporting

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "ok: the completion knows every command, noun, verb and flag"
