# bash completion for neardup(1).
#
# The commands and their options are read from the installed program's own help
# (`neardup --help`, `neardup COMMAND --help`), so the completion is right for whatever
# commands and options that version has. Option values: the report formats, the paragraph
# modes and the like from a small table; files for the rest.

_neardup_help_options()
{
    # Every --long and -s option on the option lines of "neardup [COMMAND] --help".
    "$1" ${2:+"$2"} --help 2>/dev/null |
        sed -n 's/^ \{1,\}\(-[A-Za-z], \)\{0,1\}\(--[a-z][a-z0-9-]*\).*/\1\2/p' |
        tr ',' '\n' | sed 's/^ *//' | grep -- '^-'
}

_neardup()
{
    local cur prev words cword
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    local prog=${COMP_WORDS[0]}
    COMPREPLY=()

    # The command: the first word after the program that is not an option.
    local cmd="" i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        -*) ;;
        *) cmd=${COMP_WORDS[i]}; break ;;
        esac
    done

    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$(_neardup_help_options "$prog")" -- "$cur"))
        else
            local cmds
            cmds=$("$prog" --help 2>/dev/null | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
            COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
        fi
        return 0
    fi

    case $prev in
    -f|--format) COMPREPLY=($(compgen -W "text json tsv html" -- "$cur")); return 0 ;;
    --verify) COMPREPLY=($(compgen -W "exact estimate" -- "$cur")); return 0 ;;
    --paragraphs) COMPREPLY=($(compgen -W "line block" -- "$cur")); return 0 ;;
    --input-format) COMPREPLY=($(compgen -W "auto txt jsonl csv tsv warc" -- "$cur")); return 0 ;;
    --remove) COMPREPLY=($(compgen -W "all groups blocks short boilerplate" -- "$cur")); return 0 ;;
    --keep) COMPREPLY=($(compgen -W "longest first last" -- "$cur")); return 0 ;;
    --parts) COMPREPLY=($(compgen -W "all groups blocks short shared" -- "$cur")); return 0 ;;
    -o|--output|--report) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
    -n|--ngram|-k|--perms|-t|--threshold|-b|--bands|-j|--threads|--limit|--short-words|\
    --para-threshold|--boilerplate-docs|--boilerplate-share|--max-bytes|--text-field|--id-field|\
    --keep-by)
        return 0 ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_neardup_help_options "$prog" "$cmd")" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
    return 0
}
complete -o filenames -F _neardup neardup
