#!/bin/sh
# test_help.sh BIN_DIR SOURCE_DIR [CMAKE] - --help, the man pages and the
# README agree with the programs:
#
#   - every program answers --help with exit 0 and text on stdout only,
#     and an unknown option with exit 2;
#   - every command and option of the SYNOPSIS of docs/man/<prog>.1 is
#     in the program's --help (for a command, "<prog> <command> --help"
#     exits 0 and the command's options are in one of the two texts);
#   - every option of the man page, SYNOPSIS and OPTIONS, is accepted by
#     the program: "<prog> [COMMAND] OPTION VALUE --zz-probe" must get
#     past OPTION (stop at VALUE or at --zz-probe as unknown, fail on
#     VALUE itself with exit 1, or succeed) for the command of its
#     SYNOPSIS line, for some command for OPTIONS; an option the
#     program lacks is seen to fail so (usage error, exit 2, naming it);
#   - every option of --help (and of each command's --help) is in the
#     man page, and where both give an option's default it is the same;
#   - every "fdo-... command --option" line of README.md names a command
#     of the man page and options of --help;
#   - with CMAKE: cmake --install puts the programs, the man pages, the
#     examples and the systemd files in place.
bin=$1
src=$2
. "$(dirname "$0")/../lib/common.sh"
cmake_cmd=${3:-}
progs="fdo-manufacturer fdo-rendezvous fdo-owner fdo-device fdo-voucher"

# has TEXT_FILE WORD: WORD appears as a whole word/option in the file.
has() { grep -qE -- "(^|[^A-Za-z0-9_-])$2([^A-Za-z0-9_-]|\$)" "$1"; }

# Roff to plain words: escapes and font changes dropped, brackets, bars,
# parentheses and commas made spaces.
plain() {
    sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/^\.[A-Za-z]*//' \
        -e 's/[][()|,]/ /g' -e 's/"//g'
}

# value_for WORD: a value to pass after an option whose man page
# placeholder (the next word) is WORD: a literal choice as it is
# (p256, pem), else 1 (1=00 for KEY=VALUE).
value_for() {
    case $1 in
    '' | -*) echo 1 ;;
    *=*) echo 1=00 ;;
    *[!a-z0-9]*) echo 1 ;;
    *) echo "$1" ;;
    esac
}

# accepts PROG COMMAND OPTION VALUE: the program parses OPTION (see the
# header). COMMAND may be empty.
accepts() {
    # shellcheck disable=SC2086
    timeout 10 "$bin/$1" $2 "$3" "$4" --zz-probe </dev/null \
        >"$tmp/probe.out" 2>"$tmp/probe.err"
    st=$?
    [ $st -eq 0 ] || [ $st -eq 1 ] && return 0
    [ $st -eq 2 ] && grep -qF -e "zz-probe" -e "'$4'" "$tmp/probe.err"
}

# defaults.awk: "OPTION DEFAULT" for every option whose entry says
# "default X" (or "default: X"). help=1: --help text, an entry is a line
# starting with an option and the deeper indented lines after it;
# help=0: a man page's OPTIONS as plain text, an entry is the line after
# @TP@ (its options) and the text up to the next @TP@.
cat >"$tmp/defaults.awk" <<'EOF2'
function flush(  d, n, k, i) {
    if (keys != "" && match(text, /default:? +[^ ,;)]+/)) {
        d = substr(text, RSTART, RLENGTH)
        sub(/default:? +/, "", d)
        n = split(keys, k, " ")
        for (i = 1; i <= n; i++)
            print k[i], d
    }
    keys = ""
    text = ""
}
function options(s,  n, f, i) {
    n = split(s, f, /[ ,|]+/)
    for (i = 1; i <= n; i++)
        if (f[i] ~ /^-/)
            keys = keys " " f[i]
}
help && /^ +-/ {
    flush()
    col = $0
    sub(/^ +/, "", col)
    sub(/  .*/, "", col)
    options(col)
    text = $0
    next
}
help && (/^ ? ?[^ ]/ || /^$/) { flush(); next }
!help && /^@TP@/ { flush(); hdr = 1; next }
!help && hdr { options($0); hdr = 0; next }
{ text = text " " $0 }
END { flush() }
EOF2

for p in $progs; do
    b=$bin/$p
    if "$b" --help >"$tmp/$p.help" 2>"$tmp/$p.help.err" &&
        [ -s "$tmp/$p.help" ] && [ ! -s "$tmp/$p.help.err" ]; then
        ok "$p --help: exit 0, $(wc -l <"$tmp/$p.help") lines"
    else
        bad "$p --help"; cat "$tmp/$p.help.err"
    fi
    "$b" --no-such-option >/dev/null 2>&1
    st=$?
    [ $st -eq 2 ] && ok "$p: unknown option -> exit 2" ||
        bad "$p: unknown option gave exit $st"

    man=$src/docs/man/$p.1
    if [ ! -f "$man" ]; then
        bad "$p: no man page $man"
        continue
    fi
    plain <"$man" >"$tmp/$p.man"
    # The SYNOPSIS, one entry per line (".br" separates them).
    sed -n '/^\.SH SYNOPSIS/,/^\.SH /p' "$man" | sed '1d;$d' |
        sed 's/^\.br$/@BR@/' | plain |
        awk '/^ *$/ {next} /^@BR@$/ {print line; line = ""; next}
             {line = line " " $0} END {print line}' >"$tmp/$p.syn"
    subs=""
    nsyn=0
    while read -r first second rest; do
        [ "$first" = "$p" ] || continue
        sub=""
        case $second in
        [a-z]*) sub=$second ;;
        esac
        : >"$tmp/$p.sub.help"
        case " $subs " in
        *" $sub "*) ;;
        *) subs="$subs $sub" ;;
        esac
        if [ -n "$sub" ]; then
            if ! has "$tmp/$p.help" "$sub"; then
                bad "$p: command '$sub' of the man page not in --help"
            elif [ "$sub" = help ]; then
                # The help command: "fdo-voucher help" is its own help.
                "$b" help >"$tmp/$p.sub.help" 2>&1 ||
                    bad "$p help: non-zero exit"
            elif ! "$b" "$sub" --help >"$tmp/$p.sub.help" 2>&1; then
                bad "$p $sub --help: non-zero exit"
            else
                ok "$p $sub: in --help, '$p $sub --help' works"
                cat "$tmp/$p.sub.help" >>"$tmp/$p.allhelp"
            fi
        fi
        # shellcheck disable=SC2086
        set -- $second $rest
        while [ $# -gt 0 ]; do
            w=${1%%=*}
            shift
            case $w in
            - | -- | -h | --help) continue ;;
            -*) ;;
            *) continue ;;
            esac
            if ! has "$tmp/$p.help" "$w" && ! has "$tmp/$p.sub.help" "$w"
            then
                bad "$p ${sub:+$sub }: option $w of the man page not in --help"
            fi
            nsyn=$((nsyn + 1))
            v=$(value_for "${1:-}")
            accepts "$p" "$sub" "$w" "$v" ||
                bad "$p ${sub:+$sub }$w $v: $(head -1 "$tmp/probe.err")"
        done
    done <"$tmp/$p.syn"
    ok "$p: $nsyn options of the synopsis in --help and accepted" \
        "(commands:${subs:- none})"
    echo "$subs" >"$tmp/$p.subs"

    # The probe tells: an option the program lacks is refused, with every
    # command.
    for c in "" $subs; do
        [ "$c" = help ] && continue
        if accepts "$p" "$c" --no-such-option 1; then
            bad "$p ${c:+$c }--no-such-option: taken as an option"
        fi
    done

    # OPTIONS: the first line of each .TP entry names the options.
    sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$man" |
        awk 'prev == ".TP" {print} {prev = $0}' | plain >"$tmp/$p.opts"
    nopt=0
    while read -r line; do
        # shellcheck disable=SC2086
        set -- $line
        while [ $# -gt 0 ]; do
            w=$1
            shift
            case $w in
            -h | --help) continue ;;
            -?*) ;;
            *) continue ;;
            esac
            nopt=$((nopt + 1))
            v=$(value_for "${1:-}")
            found=0
            for c in "" $subs; do
                [ "$c" = help ] && continue
                if accepts "$p" "$c" "$w" "$v"; then found=1; break; fi
            done
            [ $found = 1 ] ||
                bad "$p: option $w of OPTIONS accepted by no command"
        done
    done <"$tmp/$p.opts"
    if [ $nopt -ge 5 ]; then
        ok "$p: the $nopt options of the man page OPTIONS are accepted"
    else
        bad "$p: only $nopt options found in the man page OPTIONS"
    fi

    # The other way: what --help names, the man page documents.
    cat "$tmp/$p.help" >>"$tmp/$p.allhelp"
    opt='(--[a-z][a-z0-9-]*|-[A-Za-z]{1,2})'
    grep -oE -- "(^|[^A-Za-z0-9_-])$opt([^A-Za-z0-9_-]|\$)" "$tmp/$p.allhelp" |
        grep -oE -- '-[-A-Za-z0-9]+' | sort -u >"$tmp/$p.helpopts"
    nmissing=0
    while read -r w; do
        if ! has "$tmp/$p.man" "$w"; then
            bad "$p: $w of --help is not in the man page"
            nmissing=$((nmissing + 1))
        fi
    done <"$tmp/$p.helpopts"
    [ $nmissing -eq 0 ] &&
        ok "$p: the $(wc -l <"$tmp/$p.helpopts") options of --help are in" \
            "the man page"

    # Defaults: "default X" in an option's --help entry (its line and
    # the more indented ones after it) and in its man page entry.
    awk -f "$tmp/defaults.awk" -v help=1 "$tmp/$p.allhelp" | sort -u \
        >"$tmp/$p.hdef"
    sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$man" | sed 's/^\.TP$/@TP@/' |
        plain | awk -f "$tmp/defaults.awk" -v help=0 | sort -u \
        >"$tmp/$p.mdef"
    ndef=0
    while read -r w d; do
        md=$(awk -v w="$w" '$1 == w {print $2; exit}' "$tmp/$p.mdef")
        [ -n "$md" ] || continue
        ndef=$((ndef + 1))
        [ "$md" = "$d" ] ||
            bad "$p: $w: default $d in --help, $md in the man page"
    done <"$tmp/$p.hdef"
    ok "$p: $ndef defaults stated in both --help and the man page compared"
done

# README: every line of a code block that runs one of the programs.
awk '/^```/ {inb = !inb; next}
     inb && /^(\$ )?fdo-[a-z]+ / {
         line = $0
         while (line ~ /\\$/ && (getline nxt) > 0) {
             sub(/\\$/, "", line); line = line " " nxt
         }
         sub(/#.*/, "", line); sub(/^\$ /, "", line); print line
     }' "$src/README.md" >"$tmp/readme.cmds"
nreadme=0
while read -r p second rest; do
    [ -f "$tmp/$p.help" ] || { bad "README runs unknown program $p"; continue; }
    nreadme=$((nreadme + 1))
    sub=""
    case $second in
    [a-z]*) sub=$second ;;
    esac
    : >"$tmp/r.sub.help"
    if [ -n "$sub" ]; then
        case " $(cat "$tmp/$p.subs") " in
        *" $sub "*) "$bin/$p" "$sub" --help >"$tmp/r.sub.help" 2>&1 ;;
        *) case $second in
           */* | *.*) sub="" ;; # a file argument, not a command
           *) bad "README: '$p $sub' is not a command of $p(1)" ;;
           esac ;;
        esac
    fi
    for w in $second $rest; do
        case $w in
        -*) ;;
        *) continue ;;
        esac
        w=${w%%=*}
        has "$tmp/$p.help" "$w" || has "$tmp/r.sub.help" "$w" ||
            bad "README: '$p ${sub:+$sub }... $w': not in --help"
    done
done <"$tmp/readme.cmds"
[ "$nreadme" -ge 10 ] && ok "$nreadme command lines of README.md checked" ||
    bad "README: only $nreadme command lines found"

# cmake --install into a scratch prefix.
if [ -n "$cmake_cmd" ]; then
    build=$(dirname "$bin")
    if "$cmake_cmd" --install "$build" --prefix "$tmp/prefix" \
        >"$tmp/install.out" 2>&1; then
        n=0
        for f in $progs; do
            for want in "bin/$f" "share/man/man1/$f.1"; do
                n=$((n + 1))
                [ -f "$tmp/prefix/$want" ] || bad "install: no $want"
            done
        done
        for want in share/doc/zto/examples/owner.conf.example \
            lib/systemd/system/fdo-owner.service lib/sysusers.d/zto.conf \
            lib/tmpfiles.d/zto.conf; do
            n=$((n + 1))
            [ -f "$tmp/prefix/$want" ] || bad "install: no $want"
        done
        grep -q "^ExecStart=$tmp/prefix/bin/fdo-owner serve" \
            "$tmp/prefix/lib/systemd/system/fdo-owner.service" ||
            bad "install: the unit does not name the installed program"
        ok "cmake --install: $n files looked for"
    else
        bad "cmake --install"; cat "$tmp/install.out"
    fi
fi

finish
