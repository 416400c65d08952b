#!/bin/sh
# test_help.sh BIN_DIR SOURCE_DIR [CMAKE] - --help, the man pages and the
# README agree with the programs:
#
#   - every program answers --help with exit 0 and text on stdout only,
#     and an unknown option with exit 2;
#   - every command and option of the SYNOPSIS of docs/man/<prog>.1 is
#     in the program's --help (for a command, "<prog> <command> --help"
#     exits 0 and the command's options are in one of the two texts);
#   - every "fdo-... command --option" line of README.md names a command
#     of the man page and options of --help;
#   - with CMAKE: cmake --install puts the programs, the man pages, the
#     examples and the systemd files in place.
bin=$1
src=$2
. "$(dirname "$0")/../lib/common.sh"
cmake_cmd=${3:-}
progs="fdo-manufacturer fdo-rendezvous fdo-owner fdo-device fdo-voucher"

fail_() { echo "FAIL: $*"; fails=$((fails + 1)); }

# has TEXT_FILE WORD: WORD appears as a whole word/option in the file.
has() { grep -qE -- "(^|[^A-Za-z0-9_-])$2([^A-Za-z0-9_-]|\$)" "$1"; }

for p in $progs; do
    b=$bin/$p
    checks=$((checks + 1))
    if "$b" --help >"$tmp/$p.help" 2>"$tmp/$p.help.err" &&
        [ -s "$tmp/$p.help" ] && [ ! -s "$tmp/$p.help.err" ]; then
        echo "ok: $p --help: exit 0, $(wc -l <"$tmp/$p.help") lines"
    else
        fail_ "$p --help"; cat "$tmp/$p.help.err"
    fi
    checks=$((checks + 1))
    "$b" --no-such-option >/dev/null 2>&1
    st=$?
    [ $st -eq 2 ] && echo "ok: $p: unknown option -> exit 2" ||
        fail_ "$p: unknown option gave exit $st"

    man=$src/docs/man/$p.1
    if [ ! -f "$man" ]; then
        fail_ "$p: no man page $man"
        continue
    fi
    # The SYNOPSIS as plain words, one entry per line (".br" separates
    # them): roff escapes and font changes dropped, brackets and bars
    # made spaces.
    sed -n '/^\.SH SYNOPSIS/,/^\.SH /p' "$man" | sed '1d;$d' |
        sed -e 's/^\.br$/@BR@/' -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' \
            -e 's/^\.[A-Za-z]*//' -e 's/[][()|]/ /g' -e 's/"//g' |
        awk '/^ *$/ {next} /^@BR@$/ {print line; line = ""; next}
             {line = line " " $0} END {print line}' >"$tmp/$p.syn"
    subs=""
    while read -r first second rest; do
        [ "$first" = "$p" ] || continue
        sub=""
        case $second in
        [a-z]*) sub=$second ;;
        esac
        : >"$tmp/$p.sub.help"
        if [ -n "$sub" ]; then
            subs="$subs $sub"
            checks=$((checks + 1))
            if ! has "$tmp/$p.help" "$sub"; then
                fail_ "$p: command '$sub' of the man page not in --help"
            elif [ "$sub" = help ]; then
                # The help command: "fdo-voucher help" is its own help.
                "$bin/$p" help >"$tmp/$p.sub.help" 2>&1 ||
                    fail_ "$p help: non-zero exit"
            elif ! "$bin/$p" "$sub" --help >"$tmp/$p.sub.help" 2>&1; then
                fail_ "$p $sub --help: non-zero exit"
            else
                echo "ok: $p $sub: in --help, '$p $sub --help' works"
            fi
        fi
        for w in $second $rest; do
            case $w in
            -*) ;;
            *) continue ;;
            esac
            w=${w%%=*}
            [ "$w" = "-" ] && continue
            checks=$((checks + 1))
            if has "$tmp/$p.help" "$w" || has "$tmp/$p.sub.help" "$w"; then
                :
            else
                fail_ "$p ${sub:+$sub }: option $w of the man page not in --help"
            fi
        done
    done <"$tmp/$p.syn"
    echo "ok: $p: man page synopsis checked (commands:${subs:- none})"
    echo "$subs" >"$tmp/$p.subs"
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
    [ -f "$tmp/$p.help" ] || { fail_ "README runs unknown program $p"; continue; }
    nreadme=$((nreadme + 1))
    sub=""
    case $second in
    [a-z]*) sub=$second ;;
    esac
    : >"$tmp/r.sub.help"
    if [ -n "$sub" ]; then
        checks=$((checks + 1))
        case " $(cat "$tmp/$p.subs") " in
        *" $sub "*) "$bin/$p" "$sub" --help >"$tmp/r.sub.help" 2>&1 ;;
        *) case $second in
           */* | *.*) sub="" ;; # a file argument, not a command
           *) fail_ "README: '$p $sub' is not a command of $p(1)" ;;
           esac ;;
        esac
    fi
    for w in $second $rest; do
        case $w in
        -*) ;;
        *) continue ;;
        esac
        w=${w%%=*}
        checks=$((checks + 1))
        has "$tmp/$p.help" "$w" || has "$tmp/r.sub.help" "$w" ||
            fail_ "README: '$p ${sub:+$sub }... $w': not in --help"
    done
done <"$tmp/readme.cmds"
echo "ok: $nreadme command lines of README.md checked"
[ "$nreadme" -ge 10 ] || fail_ "README: only $nreadme command lines found"

# cmake --install into a scratch prefix.
if [ -n "$cmake_cmd" ]; then
    build=$(dirname "$bin")
    if "$cmake_cmd" --install "$build" --prefix "$tmp/prefix" \
        >"$tmp/install.out" 2>&1; then
        for f in $progs; do
            for want in "bin/$f" "share/man/man1/$f.1"; do
                checks=$((checks + 1))
                [ -f "$tmp/prefix/$want" ] || fail_ "install: no $want"
            done
        done
        for want in share/doc/zto/examples/owner.conf.example \
            lib/systemd/system/fdo-owner.service lib/sysusers.d/zto.conf \
            lib/tmpfiles.d/zto.conf; do
            checks=$((checks + 1))
            [ -f "$tmp/prefix/$want" ] || fail_ "install: no $want"
        done
        checks=$((checks + 1))
        grep -q "^ExecStart=$tmp/prefix/bin/fdo-owner serve" \
            "$tmp/prefix/lib/systemd/system/fdo-owner.service" ||
            fail_ "install: the unit does not name the installed program"
        echo "ok: cmake --install put everything in place"
    else
        fail_ "cmake --install"; cat "$tmp/install.out"
    fi
fi

finish
