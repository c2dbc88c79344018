# bash completion for regctl(1), the command line of the stdreg registry.
#
# Completes nouns, verbs, commands, their flags and the values of enum flags. Ids of
# records come from the running registry, but only when STDREG_ENDPOINT (or --endpoint on
# the line) is set, and each lookup has 300 ms: a registry that does not answer by then
# completes nothing. tests/ops/test_completion.sh checks this file against regctl --help.

_regctl_nouns="area body agency item assignment"
_regctl_verbs="list get put delete"
_regctl_commands="goal assign unassign transfer stage mine gaps as-of history report watch apply export backup whoami stats"
_regctl_goal_subs="add get list checkin redate reassign retarget close reopen activate withdraw correct" # goal SUB: completed like a noun's verbs
_regctl_globals="--endpoint --token -o --output --timeout --cacert --cert --key -h --help --version"

# The flags of NOUN VERB, or of COMMAND (no verb).
_regctl_flags() {
	local put_common="-f --file --create --if-revision --decision"
	case "$1 $2" in
	"area put") echo "--name --name-sv --description --priority --priority-since --rank --parent --source-ref --goal --tag $put_common" ;;
	"area list") echo "--priority --parent --limit --page-token" ;;
	"body put") echo "--acronym --name --level --country --url --parent --mirror $put_common" ;;
	"body list") echo "--parent --limit --page-token" ;;
	"agency put") echo "--name --short-name --org-number --department --url --contact $put_common" ;;
	"agency list") echo "--limit --page-token" ;;
	"item put") echo "--reference --title --body --area --type --stage --stage-scheme --status --target-date --priority --url --notes $put_common" ;;
	"item list") echo "--area --body --stage-from --stage-to --status --text --limit --page-token" ;;
	"assignment list") echo "--area --agency --on --current --limit --page-token" ;;
	*" delete") echo "--if-revision --decision" ;;
	"assign ") echo "--role --decision --from --note" ;;
	"unassign ") echo "--decision --to --role" ;;
	"transfer ") echo "--decision --from --note" ;;
	"stage ") echo "--decision --if-revision" ;;
	"gaps ") echo "--today --goals" ;;
	"report ") echo "--days --today --trend --from" ;;
	"watch ") echo "--since --kind --id --wait-ms --count" ;;
	"apply ") echo "-f --file --dry-run --decision --kind --format" ;;
	"export ") echo "--kind" ;;
	"goal add") echo "--owner --text --due --decision --kind --unit --baseline --target --item --target-stage --parent --source-ref --every --set-on --proposed" ;;
	"goal get") echo "--as-of" ;;
	"goal list") echo "--area --agency --state --status --due-within --overdue --stale --as-of" ;;
	"goal checkin") echo "--status --note --value --as-of --evidence" ;;
	"goal redate") echo "--due --decision --as-of --note --evidence" ;;
	"goal reassign") echo "--owner --decision --as-of --note --evidence" ;;
	"goal retarget") echo "--target --target-stage --text --decision --as-of --note --evidence" ;;
	"goal close") echo "--result --decision --as-of --note --evidence" ;;
	"goal reopen" | "goal activate" | "goal withdraw") echo "--decision --as-of --note --evidence" ;;
	"goal correct") echo "--status --value --due --owner --target --target-stage --text --result --decision --as-of --note --evidence" ;;
	esac
}

# Ids of KIND from the registry: at most 300 ms, nothing on any failure.
_regctl_ids() {
	local kind=$1 endpoint=${_regctl_endpoint:-${STDREG_ENDPOINT-}}
	[[ -n $endpoint ]] || return 0
	command -v timeout >/dev/null 2>&1 || return 0
	timeout 0.3 "${_regctl_cmd:-regctl}" --endpoint "$endpoint" --timeout 300 \
		"$kind" list -o jsonl 2>/dev/null |
		sed -n 's/^{"id":"\([^"]*\)".*/\1/p; s/^{.*,"id":"\([^"]*\)".*/\1/p'
}

_regctl() {
	local cur prev words cword
	if declare -F _init_completion >/dev/null 2>&1; then
		_init_completion -n = || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi

	local _regctl_cmd=${words[0]} _regctl_endpoint=
	local i w first= verb= first_at=0 npos=0
	# Walk the line: global options and their values, then NOUN [VERB] or COMMAND.
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		case $w in
		--endpoint) _regctl_endpoint=${words[i + 1]-}; ((i++)); continue ;;
		--token | -o | --output | --timeout | --cacert | --cert | --key) ((i++)); continue ;;
		--endpoint=*) _regctl_endpoint=${w#--endpoint=}; continue ;;
		-*)
			# A flag of the verb or command that takes a value skips it.
			case $w in
			--create | --current | --dry-run | --overdue | --stale | --proposed | --goals | -h | --help | --version) ;;
			*) [[ -n $first ]] && ((i++)) ;;
			esac
			continue
			;;
		esac
		if [[ -z $first ]]; then
			first=$w first_at=$i
		elif [[ -z $verb && " $_regctl_nouns goal " == *" $first "* ]]; then
			verb=$w
		else
			((npos++))
		fi
	done

	# The value of the flag just before the cursor.
	case $prev in
	-o | --output) COMPREPLY=($(compgen -W "table json jsonl csv" -- "$cur")); return ;;
	--endpoint) COMPREPLY=($(compgen -W "tcp://127.0.0.1:7420 ipc:// tls+tcp://" -- "$cur")); return ;;
	-f | --file | --cacert | --cert | --key) COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
	--priority) [[ $first == area ]] && { COMPREPLY=($(compgen -W "prioritised monitored retired" -- "$cur")); return; } ;;
	--level) COMPREPLY=($(compgen -W "international european national consortium" -- "$cur")); return ;;
	--status)
		if [[ $first == goal && ($verb == checkin || $verb == correct) ]]; then
			COMPREPLY=($(compgen -W "on_track at_risk off_track" -- "$cur"))
		elif [[ $first == goal ]]; then
			COMPREPLY=($(compgen -W "on_track at_risk off_track pending stale overdue met missed dropped proposed withdrawn" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "in_development published cancelled" -- "$cur"))
		fi
		return
		;;
	--state) COMPREPLY=($(compgen -W "proposed active closed withdrawn" -- "$cur")); return ;;
	--result) COMPREPLY=($(compgen -W "met missed dropped" -- "$cur")); return ;;
	--trend) COMPREPLY=($(compgen -W "quarterly" -- "$cur")); return ;;
	--role) COMPREPLY=($(compgen -W "lead supporting" -- "$cur")); return ;;
	--kind)
		if [[ $first == goal ]]; then
			COMPREPLY=($(compgen -W "deliverable indicator stage" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_regctl_nouns goal follow_up" -- "$cur"))
		fi
		return
		;;
	--format) COMPREPLY=($(compgen -W "jsonl csv" -- "$cur")); return ;;
	--area) COMPREPLY=($(compgen -W "$(_regctl_ids area)" -- "$cur")); return ;;
	--agency | --owner) COMPREPLY=($(compgen -W "$(_regctl_ids agency)" -- "$cur")); return ;;
	--body | --mirror) COMPREPLY=($(compgen -W "$(_regctl_ids body)" -- "$cur")); return ;;
	--parent)
		case $first in area | body) COMPREPLY=($(compgen -W "$(_regctl_ids "$first")" -- "$cur")) ;; esac
		return
		;;
	--token | --timeout | --name* | --description | --rank | --source-ref | --goal | --tag | \
		--acronym | --country | --url | --short-name | --org-number | --department | --contact | \
		--reference | --title | --type | --stage* | --target-date | --notes | --text | --limit | --page-token | \
		--if-revision | --decision | --from | --to | --note | --today | --days | --since | --id | \
		--wait-ms | --count | --priority-since | --due | --unit | --baseline | --target | --item | \
		--target-stage | --every | --set-on | --as-of | --due-within | --value | --evidence)
		return
		;;
	esac

	if [[ -z $first ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$_regctl_globals" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_regctl_nouns $_regctl_commands" -- "$cur"))
		fi
		return
	fi

	if [[ $first == goal ]]; then
		if [[ -z $verb ]]; then
			COMPREPLY=($(compgen -W "$([[ $cur == -* ]] && echo --help || echo "$_regctl_goal_subs")" -- "$cur"))
		elif [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$(_regctl_flags goal "$verb") $_regctl_globals" -- "$cur"))
		fi
		return
	fi

	if [[ " $_regctl_nouns " == *" $first "* ]]; then
		if [[ -z $verb ]]; then
			if [[ $cur == -* ]]; then
				COMPREPLY=($(compgen -W "--help" -- "$cur"))
			elif [[ $first == assignment ]]; then
				COMPREPLY=($(compgen -W "list get" -- "$cur"))
			else
				COMPREPLY=($(compgen -W "$_regctl_verbs" -- "$cur"))
			fi
			return
		fi
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$(_regctl_flags "$first" "$verb") $_regctl_globals" -- "$cur"))
		elif [[ $verb != list && $npos -eq 0 ]]; then
			COMPREPLY=($(compgen -W "$(_regctl_ids "$first")" -- "$cur"))
		fi
		return
	fi

	# A command: its flags, or its positional ids.
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_regctl_flags "$first" "") --help $_regctl_globals" -- "$cur"))
		return
	fi
	local want=
	case "$first $npos" in
	"assign 0" | "unassign 0" | "transfer 0" | "as-of 0") want=area ;;
	"assign 1" | "unassign 1" | "transfer 1" | "transfer 2" | "mine 0") want=agency ;;
	"stage 0") want=item ;;
	"history 0") COMPREPLY=($(compgen -W "$_regctl_nouns goal follow_up" -- "$cur")); return ;;
	"history 1") want=${words[first_at + 1]} ;;
	"backup 0") COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
	esac
	[[ -n $want && " $_regctl_nouns " == *" $want "* ]] &&
		COMPREPLY=($(compgen -W "$(_regctl_ids "$want")" -- "$cur"))
	return 0
}

complete -F _regctl regctl
